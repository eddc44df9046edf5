"""The user's own image files: the one lister (files and folders of images), beside the one reader
(``read_image``, defined in ``seg.data.io`` and exported here for the tools that list and read).

``list_images`` is what every tool that takes "images or folders" calls (infer, the video demo's
folder of frames, INT8 calibration folders). Each image gets a ``name`` that keeps its path
relative to the inputs, so outputs named after it stay unique: ``a/frame.png`` and
``b/frame.png`` become ``a/frame`` and ``b/frame``, never one ``frame`` written twice.

``read_image`` speaks of the user's file; a dataset that knows where its files come from (the
Cityscapes zips) passes its own hint for the message.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seg.data.io import IMAGE_SUFFIXES, read_image
from seg.errors import ImageReadError

__all__ = ["IMAGE_SUFFIXES", "ImageFile", "ImageReadError", "is_image", "list_images", "output_names", "read_image"]


@dataclass(frozen=True)
class ImageFile:
    """An image to process: where it is, and the unique name (no suffix) its outputs are named after."""

    path: Path
    name: Path


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def list_images(inputs: Sequence[str | Path], recursive: bool = True) -> list[ImageFile]:
    """The image files named in ``inputs`` and those inside the folders named, in the order given.

    A folder's images (``IMAGE_SUFFIXES``, any case; its sub-folders too when ``recursive``) come
    sorted by path. A file named directly is kept whatever its suffix (the reader will say if it is
    not an image); the same file named twice is listed once. Names are the paths relative to the
    deepest folder all inputs share, without the suffix, or with it (``x_png``, ``x_jpg``) where two
    files differ only in it. A missing input is ``FileNotFoundError``; no images is an empty list
    (the caller words that message).
    """
    found: list[Path] = []
    roots: list[str] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            pattern = path.rglob("*") if recursive else path.iterdir()
            found += sorted(p for p in pattern if p.is_file() and is_image(p))
            roots.append(os.path.abspath(path))
        elif path.is_file():
            found.append(path)
            roots.append(os.path.dirname(os.path.abspath(path)))
        else:
            raise FileNotFoundError(2, "no such image file or folder", str(path))
    unique = list({os.path.abspath(p): p for p in found}.items())
    if not unique:
        return []
    names = output_names([absolute for absolute, _ in unique], roots)
    return [ImageFile(path, name) for (_, path), name in zip(unique, names, strict=True)]


def output_names(paths: Sequence[str], roots: Sequence[str]) -> list[Path]:
    """The names (``list_images``' rule) of distinct ``paths``: relative to the deepest folder all ``roots`` share,
    without the suffix, or with it (``x_png``) where two differ only in it. Paths and roots are absolute, or all
    relative to one place (an object store's ``bucket/key``)."""
    base = os.path.commonpath(roots)
    stems = [Path(os.path.relpath(path, base)).with_suffix("") for path in paths]
    clashes = {stem for stem in stems if stems.count(stem) > 1}
    return [
        stem.with_name(f"{stem.name}_{Path(path).suffix.lstrip('.').lower()}") if stem in clashes else stem
        for path, stem in zip(paths, stems, strict=True)
    ]
