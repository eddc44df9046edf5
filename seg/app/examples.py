"""The demo's example images: the first toy val images, exactly as ``tools/train.py configs/lraspp_small_toy.py``
generates them (``seg.synthetic.toy_cityscapes``: each image has its own random stream from the seed, the
split and its index, so generating only the val split gives the same files).

They are generated on first start into a cache folder (``$XDG_CACHE_HOME/seg/app_examples``, else
``~/.cache/seg/app_examples``) rather than shipped, so an installed package needs no data files; a few
images of 128x256 take well under a second.
"""

from __future__ import annotations

import os
from pathlib import Path

from seg.data.images import IMAGE_SUFFIXES

# configs/lraspp_small_toy.py's toy set: seed 0, 128x256 scenes.
TOY_SEED = 0
TOY_IMAGE_SIZE = (128, 256)
EXAMPLE_COUNT = 4


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seg" / "app_examples"


def example_images(folder: str | Path | None = None, count: int = EXAMPLE_COUNT) -> list[Path]:
    """Paths of ``count`` toy val images in ``folder`` (default: the cache), generated there when missing."""
    from seg.synthetic.toy_cityscapes import make_toy_cityscapes  # painting scenes imports torch: only when needed

    folder = Path(folder) if folder is not None else default_cache_dir()
    root = folder / f"toy_seed{TOY_SEED}_{TOY_IMAGE_SIZE[0]}x{TOY_IMAGE_SIZE[1]}_val{count}"
    images = root / "leftImg8bit" / "val"
    found = sorted(p for p in images.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES) if images.is_dir() else []
    if len(found) < count:
        make_toy_cityscapes(root, train=0, val=count, seed=TOY_SEED, image_size=TOY_IMAGE_SIZE)
        found = sorted(p for p in images.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    return found[:count]
