"""Pascal VOC 2012 segmentation as the devkit unpacks it, with SBD's extra labels as an option::

    ROOT/JPEGImages/<id>.jpg
    ROOT/SegmentationClass/<id>.png                palette PNGs: index = class (0..20), 255 = border (ignored)
    ROOT/ImageSets/Segmentation/{train,val,trainval}.txt     one <id> per line
    ROOT/SegmentationClassAug/<id>.png             with SBD (datasets/prepare_voc_aug.py)
    ROOT/ImageSets/Segmentation/train_aug.txt      the 10,582 training ids of VOC train + SBD, minus VOC val

ROOT is ``VOCdevkit/VOC2012`` (a folder holding ``VOCdevkit/VOC2012`` works too). A split whose name ends
in ``_aug`` takes its labels from SegmentationClassAug, the others from SegmentationClass.
"""

from __future__ import annotations

from pathlib import Path

from seg.data.catalog import PASCAL_VOC_NAMES
from seg.data.dataset import Sample, Scan
from seg.data.errors import DatasetError
from seg.data.io import IGNORE_INDEX, LabelEncoding

LAYOUT_HELP = (
    "Expected VOCdevkit/VOC2012 at data.root: ROOT/JPEGImages/<id>.jpg, ROOT/SegmentationClass/<id>.png and the "
    "split lists ROOT/ImageSets/Segmentation/<split>.txt (datasets/README.md, Pascal VOC 2012)."
)
ENCODING = LabelEncoding.identity(
    len(PASCAL_VOC_NAMES),
    IGNORE_INDEX,
    "Pascal VOC's classes (0..20) and the border value 255",
    "Re-extract it from VOCtrainval_11-May-2012.tar (or re-run datasets/prepare_voc_aug.py).",
)


def voc_root(root: str | Path) -> Path:
    """ROOT itself, or ROOT/VOCdevkit/VOC2012 when that is where the devkit was unpacked."""
    root = Path(root)
    nested = root / "VOCdevkit" / "VOC2012"
    return nested if not (root / "JPEGImages").is_dir() and nested.is_dir() else root


def scan_voc(root: str | Path, split: str) -> Scan:
    root = voc_root(root)
    if not root.is_dir():
        raise DatasetError(f"Pascal VOC root {root} (data.root) does not exist. {LAYOUT_HELP}")
    listing = root / "ImageSets" / "Segmentation" / f"{split}.txt"
    if not listing.is_file():
        hint = (
            " The augmented split comes from SBD: run datasets/prepare_voc_aug.py (datasets/README.md), or train on "
            "VOC alone with --set data.train_split=train."
            if split.endswith("_aug")
            else ""
        )
        raise DatasetError(f"Split list {listing} does not exist.{hint} {LAYOUT_HELP}")
    scan = Scan("Pascal VOC", image_fix="Re-extract it from VOCtrainval_11-May-2012.tar.")
    label_dir = root / ("SegmentationClassAug" if split.endswith("_aug") else "SegmentationClass")
    ids = [line.split()[0] for line in listing.read_text().splitlines() if line.strip()]
    if not ids:
        raise DatasetError(f"Split list {listing} is empty; it should hold one image id per line. {LAYOUT_HELP}")
    for image_id in ids:
        image, label = root / "JPEGImages" / f"{image_id}.jpg", label_dir / f"{image_id}.png"
        missing = [str(path) for path in (image, label) if not path.is_file()]
        if missing:
            scan.problems.append(f"{listing} lists {image_id!r} but {' and '.join(missing)} does not exist.")
        else:
            scan.samples.append(Sample(image, label, ENCODING))
    return scan
