"""The images of a batch job: folders, globs and text files of paths, on local disk or any file system pyarrow opens.

An input is a folder (its images, sub-folders included, sorted by path), a glob (``photos/**/*.jpg``; on an object
store ``*`` also crosses folders), a ``.txt`` file with one image path a line (relative lines are relative to the
list's folder; blank lines and ``#`` comments are skipped) or an image file. A location with a scheme
(``s3://bucket/frames``, ``gs://...``, ``hdfs://...``) is opened with ``pyarrow.fs.FileSystem.from_uri``, so
credentials and regions come from pyarrow's usual sources; anything else is a local path. Output names follow
``seg.data.images.list_images``' rule, so a batch job names its outputs exactly as tools/infer.py does.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pyarrow import fs as pafs

from seg.data.images import is_image, output_names
from seg.errors import UserError

__all__ = ["ImageListing", "list_inputs", "open_location"]

LIST_SUFFIX = ".txt"
GLOB_CHARACTERS = "*?["


@dataclass(frozen=True)
class ImageListing:
    """Where the images are (``uri`` opens ``filesystem`` again in another process), their paths on it and the
    output name (relative, no suffix) of each."""

    uri: str
    filesystem: pafs.FileSystem
    paths: list[str]
    names: list[str]


def open_location(location: str) -> tuple[pafs.FileSystem, str]:
    """(file system, path on it) of a local path or a URI with a scheme."""
    if "://" in location:
        try:
            return pafs.FileSystem.from_uri(location)
        except Exception as error:  # pyarrow raises ArrowInvalid, ArrowNotImplementedError, OSError, ...
            raise UserError(f"Cannot open {location}: {error}") from None
    return pafs.LocalFileSystem(), os.path.abspath(location)


def _uri_root(location: str) -> str:
    """What reopens the file system of ``location`` in a worker: the scheme and authority, or '' for local."""
    if "://" not in location:
        return ""
    scheme, rest = location.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def list_inputs(inputs: Sequence[str]) -> ImageListing:
    """The images named by ``inputs`` (all on one file system), each once, in the order given."""
    roots = {_uri_root(item) for item in inputs}
    if len(roots) > 1:
        raise UserError(
            f"The inputs are on different file systems ({', '.join(sorted(roots))}); run one job per store."
        )
    filesystem = None
    found: list[str] = []
    folders: list[str] = []
    for item in inputs:
        filesystem, path = open_location(item)
        files, root = _expand(filesystem, path, item)
        found += files
        folders += [root] if root is not None else [posixpath.dirname(f) for f in files]
    unique = list(dict.fromkeys(found))
    names = [name.as_posix() for name in output_names(unique, folders)] if unique else []
    return ImageListing(roots.pop(), filesystem or pafs.LocalFileSystem(), unique, names)


def _expand(filesystem: pafs.FileSystem, path: str, item: str) -> tuple[list[str], str | None]:
    """The image files of one input and the folder their names are relative to (None: each file's own)."""
    if any(c in path for c in GLOB_CHARACTERS):
        return _glob(filesystem, path), _static_prefix(path)
    info = filesystem.get_file_info(path)
    if info.type == pafs.FileType.Directory:
        selector = pafs.FileSelector(path, recursive=True)
        files = [
            i.path
            for i in filesystem.get_file_info(selector)
            if i.type == pafs.FileType.File and is_image(Path(i.path))
        ]
        return sorted(files), path
    if info.type != pafs.FileType.File:
        raise FileNotFoundError(2, "no such image file, folder, glob or list", item)
    if path.lower().endswith(LIST_SUFFIX):
        return _read_list(filesystem, path), None
    return [path], None


def _glob(filesystem: pafs.FileSystem, pattern: str) -> list[str]:
    if isinstance(filesystem, pafs.LocalFileSystem):
        return sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p) and is_image(Path(p)))
    selector = pafs.FileSelector(_static_prefix(pattern), recursive=True, allow_not_found=True)
    infos = filesystem.get_file_info(selector)
    return sorted(i.path for i in infos if i.type == pafs.FileType.File and fnmatch.fnmatch(i.path, pattern))


def _static_prefix(pattern: str) -> str:
    """The folder above a glob's first wildcard."""
    parts = pattern.split("/")
    fixed = next(i for i, part in enumerate(parts) if any(c in part for c in GLOB_CHARACTERS))
    return "/".join(parts[:fixed]) or "/"


def _read_list(filesystem: pafs.FileSystem, path: str) -> list[str]:
    with filesystem.open_input_stream(path) as stream:
        lines = stream.read().decode("utf-8").splitlines()
    folder = posixpath.dirname(path)
    entries = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    return [entry if posixpath.isabs(entry) else posixpath.normpath(posixpath.join(folder, entry)) for entry in entries]
