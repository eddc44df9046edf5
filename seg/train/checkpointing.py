"""Crash-safe checkpoint files and the ``--resume auto|PATH`` rule.

Lightning's ``TorchCheckpointIO`` (2.6) serialises into memory and writes through an fsspec
transaction: a temp file from ``tempfile.mkstemp()`` in the *system* temp folder, then
``shutil.move`` onto the target. When /tmp and the work dir are on different file systems (common on
clusters: tmpfs vs. shared storage) that move is a copy, so a crash or SIGKILL mid-copy leaves a
truncated ``last.ckpt``; and nothing is fsync'ed, so a power loss can leave an empty file. Here the
temp file is in the target's own folder, fsync'ed, then ``os.replace``d: the target is always either
the old complete file or the new complete file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.plugins.io import TorchCheckpointIO

from seg.models import CheckpointError

LAST = "last.ckpt"
BEST = "best.ckpt"
TEMP_SUFFIX = ".tmp"


class AtomicCheckpointIO(TorchCheckpointIO):
    """``TorchCheckpointIO`` whose writes are atomic: same-folder temp file, fsync, ``os.replace``."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO.save_checkpoint does not take storage_options.")
        atomic_torch_save(checkpoint, Path(path))


def atomic_torch_save(obj: Any, path: Path) -> None:
    """``torch.save(obj, path)`` such that ``path`` never holds a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as file:
            torch.save(obj, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(folder: Path) -> None:
    """Persist the rename itself (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete temp files left by a write that was killed (they are never valid checkpoints)."""
    stale = sorted(folder.glob(f".*.ckpt.*{TEMP_SUFFIX}")) if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def resolve_resume(resume: str | None, work_dir: Path) -> Path | None:
    """The checkpoint to resume from: ``None`` (fresh run), ``"auto"`` or a path.

    ``auto`` picks ``work_dir/checkpoints/last.ckpt`` when it exists and otherwise starts fresh, so the
    same command line both starts and continues a run (e.g. a preempted cluster job).
    """
    if resume is None:
        return None
    if resume == "auto":
        last = work_dir / "checkpoints" / LAST
        return last if last.is_file() else None
    path = Path(resume)
    if not path.is_file():
        raise CheckpointError(
            f"--resume {resume}: no such checkpoint. Pass a .ckpt written by tools/train.py "
            f"(e.g. {work_dir / 'checkpoints' / LAST}) or --resume auto."
        )
    return path


def checkpoint_step(path: Path) -> int:
    """The optimizer step a Lightning checkpoint was saved at."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False, mmap=True)
    except Exception as error:  # torch raises many types for truncated or foreign files
        raise CheckpointError(f"Checkpoint {path} cannot be read ({type(error).__name__}: {error}).") from None
    if not isinstance(checkpoint, dict) or "global_step" not in checkpoint:
        raise CheckpointError(
            f"{path} is not a Lightning training checkpoint (no global_step); --resume needs a .ckpt written by "
            "tools/train.py. To start from weights only, set model.backbone_weights or train without --resume."
        )
    return int(checkpoint["global_step"])
