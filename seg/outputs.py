"""Output paths checked before any work: every tool that writes calls these first.

A tool that exports for a minute and then cannot create its file has lost the minute; one that
writes over an earlier result has lost that result. ``check_output_file`` and ``check_output_dir``
find out up front, without leaving anything behind: the nearest folder that exists must be a
folder, must take a new file (a real probe file, created and removed, since permission bits do not
tell the whole story for root, read-only mounts or /sys) and must have space; an existing output is
refused unless the user passed ``--overwrite``. The errors are :class:`OutputError` (a
``UserError``: one line, exit 2) naming the path, the reason and the fix.

Imports nothing heavy, so tools call it right after parsing their arguments.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from seg.errors import UserError

# Less free space than this is "no space left" for any output we write (a mask, a JSON, a model).
MIN_FREE_BYTES = 1 << 20
_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENOTDIR: "a file is where a folder should be",
    errno.ENAMETOOLONG: "the name is too long",
}


class OutputError(UserError):
    """An output cannot be created, or would replace an earlier result; the message names the path and the fix."""


def check_output_file(path: str | Path, option: str, overwrite: bool = False) -> Path:
    """Fail now unless a file can be created at ``path``; ``option`` names it for the user (e.g. "--output").

    An existing file is refused unless ``overwrite``; a folder at ``path`` always is.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; give a file name, e.g. {path / 'out'}{path.suffix}.")
    if path.exists() and not overwrite:
        raise OutputError(
            f"{option} {path} already exists; pass --overwrite to replace it, or choose another {option}."
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{option} {path} cannot be replaced: permission denied. Choose another {option}.")
    _check_folder(path.parent, option, path)
    return path


def check_output_dir(path: str | Path, option: str, overwrite: bool = True) -> Path:
    """Fail now unless ``path`` is (or can become) a folder that takes new files.

    With ``overwrite=False`` a folder that already holds files is refused (its files would be mixed
    with or replaced by the new ones).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path} is a file, not a folder; remove it or choose another {option}.")
    if not overwrite and path.is_dir() and any(path.iterdir()):
        raise OutputError(
            f"{option} {path} already holds files; pass --overwrite to write into it anyway, or choose another "
            f"{option}."
        )
    _check_folder(path, option, path)
    return path


def existing(paths: list[Path], option: str) -> None:
    """Refuse when any of ``paths`` exists (several outputs of one run, e.g. infer's masks): name the first few."""
    found = [p for p in paths if p.exists()]
    if found:
        shown = ", ".join(str(p) for p in found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        raise OutputError(
            f"{len(found)} output file{'s' if len(found) != 1 else ''} already exist ({shown}); pass --overwrite to "
            f"replace them, or choose another {option}."
        )


def _check_folder(folder: Path, option: str, target: Path) -> None:
    """The folder that will hold ``target`` exists or can be created, and takes a new file."""
    existing_folder = folder
    while not existing_folder.exists():
        if existing_folder.is_symlink() or existing_folder.parent == existing_folder:
            raise OutputError(f"{option} {target} cannot be created: {existing_folder} is a broken link.")
        existing_folder = existing_folder.parent
    if not existing_folder.is_dir():
        raise OutputError(
            f"{option} {target} cannot be created: {existing_folder} is a file where a folder should be. "
            f"Choose another {option}."
        )
    try:
        # A real file, created and removed: access() says yes to root on /sys and on some mounts.
        with tempfile.NamedTemporaryFile(dir=existing_folder, prefix=".seg-write-check-"):
            pass
    except OSError as error:
        reason = _REASONS.get(error.errno, error.strerror or type(error).__name__)
        verb = "written to" if target == existing_folder else "written" if existing_folder == folder else "created"
        raise OutputError(
            f"{option} {target} cannot be {verb}: {reason} in {existing_folder}. Choose another {option}."
        ) from None
    free = shutil.disk_usage(existing_folder).free
    if free < MIN_FREE_BYTES:
        raise OutputError(
            f"{option} {target} cannot be written: no space left on the device ({free} bytes free in "
            f"{existing_folder}). Free some space or choose another {option}."
        )


def plain_file_mode(path: str | Path) -> Path:
    """Give a written file the mode a plain ``open(path, "w")`` would (0o666 less the umask): some converters
    (litert-torch, ai-edge-quantizer) create their files executable."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
    return Path(path)
