"""Decode once: decoded images and labels kept as uncompressed ``.npy`` files and memory-mapped afterwards.

Decoding a 1024x2048 Cityscapes PNG costs more than the whole crop-first augmentation that follows it
(docs/training.md, "Data loading speed"). With ``data.cache_dir`` set, the first read of a file decodes it
and writes the pixels as they are (6 MB per Cityscapes image, 2 MB per label map); every later read maps
that file, and a training crop touches only the rows it covers. The operating system's page cache then
holds the set in memory where memory allows, shared by every loader worker and every DDP process on the
machine, and reads it from disk where it does not. The pixels are exactly the decoded ones, so what
training sees does not change.

An entry is keyed by the source file's absolute path, size and modification time and by how it was
decoded, so an edited or replaced file is decoded again; entries are written to a temporary name and
renamed, so concurrent workers never read a half-written one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from seg.data.io import header_size
from seg.errors import DatasetError


class DecodedCache:
    """``get(path, kind, decode)``: the cached array for ``path``, or ``decode()``'s, stored for next time."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatasetError(
                f"data.cache_dir={str(root)!r} cannot be created ({error.strerror or error}); point it at a "
                "writable folder with room for the decoded set, or set data.cache_dir=None."
            ) from None

    def entry(self, path: Path, kind: str) -> Path:
        stat = path.stat()
        key = hashlib.sha1(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{kind}".encode()).hexdigest()
        return self.root / key[:2] / f"{key}.npy"

    def get(self, path: Path, kind: str, decode: Callable[[], np.ndarray]) -> np.ndarray:
        """A read-only array: memory-mapped from the cache, or freshly decoded (and then written to it)."""
        entry = self.entry(path, kind)
        try:
            return np.load(entry, mmap_mode="r")
        except (FileNotFoundError, ValueError, OSError):
            pass  # not cached yet (or an unreadable entry, which is replaced)
        array = np.ascontiguousarray(decode())
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = entry.with_name(f"{entry.stem}.{os.getpid()}.tmp.npy")
        try:
            np.save(temporary, array)
            os.replace(temporary, entry)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise DatasetError(
                f"Cannot write the decoded copy of {path} to data.cache_dir={str(self.root)!r} "
                f"({error.strerror or error}); free some space or set data.cache_dir=None."
            ) from None
        return array

    def check_space(self, files: Sequence[tuple[Path, str, int]]) -> None:
        """Fail now, not mid-epoch, when the decoded copies of ``files`` ((path, kind, channels)) that are not
        cached yet would not fit on the cache's disk. Sizes come from the file headers (no decoding)."""
        needed = 0
        for path, kind, channels in files:
            if not self.entry(path, kind).is_file():
                height, width = header_size(path)
                needed += height * width * channels + 128  # .npy header
        free = shutil.disk_usage(self.root).free
        if needed > free:
            raise DatasetError(
                f"data.cache_dir={str(self.root)!r} needs about {needed / 1e9:.1f} GB more for the decoded images and "
                f"labels, but its disk has {free / 1e9:.1f} GB free. Point data.cache_dir at a larger disk, or set "
                "data.cache_dir=None (every file is then decoded at every read)."
            )
