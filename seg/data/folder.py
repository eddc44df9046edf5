"""The folder format: your own images and masks, with the classes in a text file::

    ROOT/classes.txt                          line N (from 0) is class N: "name" or "name R G B"
    ROOT/images/<split>/**/<stem>.{png,jpg,jpeg,bmp,tif,tiff,webp}
    ROOT/masks/<split>/**/<stem>.png          same relative path and stem as the image

A mask is a single-channel 8-bit PNG of class ids, or a palette PNG whose indices are the class ids;
``data.ignore_index`` (255 by default) marks pixels that are not scored. Sub-folders are free (one per
camera, per day...) as long as images/ and masks/ mirror each other.
"""

from __future__ import annotations

from pathlib import Path

from seg.classes import CLASSES_FILE, read_classes_file
from seg.data.dataset import Scan, index_files, pair_files
from seg.data.io import IMAGE_SUFFIXES, LabelEncoding
from seg.errors import DatasetError

_SUFFIXES = "|".join(suffix.lstrip(".") for suffix in IMAGE_SUFFIXES)
LAYOUT_HELP = (
    f"The folder format is ROOT/{CLASSES_FILE}, ROOT/images/<split>/**/<stem>.({_SUFFIXES}) and "
    "ROOT/masks/<split>/**/<stem>.png (datasets/README.md, Your own data)."
)


def scan_folder(root: str | Path, split: str, ignore_index: int) -> Scan:
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"Folder dataset root {root} (data.root) does not exist. {LAYOUT_HELP}")
    classes = read_classes_file(root)
    count = len(classes.names)
    encoding = LabelEncoding.identity(
        count,
        ignore_index,
        f"the classes of {root / CLASSES_FILE} (0..{count - 1}) and data.ignore_index={ignore_index}",
        f"Fix the mask, or add the missing classes to {root / CLASSES_FILE}.",
        # void pixels keep the configured ignore value, which the loss and the metric skip
    )
    scan = Scan("Folder dataset", image_fix="Replace it with a readable copy.")
    image_dir, mask_dir = root / "images" / split, root / "masks" / split
    images = index_files(image_dir, IMAGE_SUFFIXES, True, scan, "image")
    if not images:
        raise DatasetError(
            f"No images found for split {split!r}: {image_dir}/**/*.({_SUFFIXES}) matched nothing. {LAYOUT_HELP}"
        )
    masks = index_files(mask_dir, (".png",), True, scan, "mask")
    pair_files(scan, images, masks, encoding, lambda k: mask_dir / f"{k}.png", lambda k: image_dir / f"{k}.jpg")
    return scan
