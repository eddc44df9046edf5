"""Cityscapes as a torch Dataset, read by file name; and the official trainId preparation.

Layout (the official zips, unpacked under one root)::

    ROOT/leftImg8bit/{train,val,test}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    ROOT/gtFine/{train,val,test}/<city>/<city>_<seq>_<frame>_gtFine_labelTrainIds.png   (prepare_cityscapes.py)
    ROOT/gtFine/{train,val,test}/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png        (in the zip)

Pairs are checked when the dataset is built; each file is checked when it is loaded (seg.data.dataset).
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

import numpy as np

from seg.classes import IGNORE_INDEX, LABEL_IDS, LABELID_TO_TRAINID, NUM_CLASSES
from seg.data.dataset import Sample, Scan, SegmentationDataset, Transform
from seg.data.io import LabelEncoding
from seg.errors import DatasetError

IMAGE_SUFFIX = "_leftImg8bit.png"
TRAINID_SUFFIX = "_gtFine_labelTrainIds.png"
LABELID_SUFFIX = "_gtFine_labelIds.png"
LAYOUT_HELP = (
    "Expected ROOT/leftImg8bit/<split>/<city>/*_leftImg8bit.png with labels in "
    "ROOT/gtFine/<split>/<city>/*_gtFine_labelTrainIds.png (or *_gtFine_labelIds.png). "
    "datasets/README.md says how to download and prepare Cityscapes (any root works: --set data.root=DIR); "
    "for a small synthetic set in the same layout run `python datasets/make_toy_cityscapes.py --root DIR`."
)
IMAGE_FIX = "Re-extract it from leftImg8bit_trainvaltest.zip."
_FIX = "Regenerate it with datasets/prepare_cityscapes.py (or re-extract gtFine_trainvaltest.zip)."
TRAIN_IDS = LabelEncoding.identity(
    NUM_CLASSES, IGNORE_INDEX, f"the Cityscapes table (trainIds 0..{NUM_CLASSES - 1} and {IGNORE_INDEX})", _FIX
)
_VALID_LABELIDS = np.zeros(256, dtype=bool)
_VALID_LABELIDS[list(LABEL_IDS)] = True
LABEL_IDS_ENCODING = LabelEncoding(LABELID_TO_TRAINID, _VALID_LABELIDS, "the Cityscapes table (labelIds 0..33)", _FIX)


def _stem(path: Path, suffix: str) -> tuple[str, str]:
    """(city folder, file name without the suffix): the key that pairs an image with its label."""
    return path.parent.name, path.name[: -len(suffix)]


def scan_cityscapes(root: str | Path, split: str) -> Scan:
    """The pairs of ``split``; trainId labels preferred, labelIds where a split has only those."""
    root = Path(root)
    scan = Scan("Cityscapes", image_fix=IMAGE_FIX)
    image_dir, label_dir = root / "leftImg8bit" / split, root / "gtFine" / split
    if not root.is_dir():
        raise DatasetError(f"Cityscapes root {root} does not exist. {LAYOUT_HELP}")
    images = {_stem(p, IMAGE_SUFFIX): p for p in image_dir.glob(f"*/*{IMAGE_SUFFIX}")}
    if not images:
        raise DatasetError(
            f"No images found for split {split!r}: {image_dir}/*/*{IMAGE_SUFFIX} matched nothing. {LAYOUT_HELP}"
        )
    train_ids = {_stem(p, TRAINID_SUFFIX): p for p in label_dir.glob(f"*/*{TRAINID_SUFFIX}")}
    label_ids = {_stem(p, LABELID_SUFFIX): p for p in label_dir.glob(f"*/*{LABELID_SUFFIX}")}
    for key in sorted(set(train_ids) | set(label_ids)):
        if key not in images:
            label = train_ids.get(key) or label_ids[key]
            expected = image_dir / key[0] / f"{key[1]}{IMAGE_SUFFIX}"
            scan.problems.append(
                f"Label {label} has no image: expected {expected}. Restore the image or remove the label."
            )
    for key in sorted(images):
        if key in train_ids:
            scan.samples.append(Sample(images[key], train_ids[key], TRAIN_IDS))
        elif key in label_ids:
            scan.samples.append(Sample(images[key], label_ids[key], LABEL_IDS_ENCODING))
        else:
            expected = label_dir / key[0] / f"{key[1]}{TRAINID_SUFFIX}"
            scan.problems.append(
                f"Image {images[key]} has no label: expected {expected} (or {LABELID_SUFFIX}). "
                "Unpack gtFine_trainvaltest.zip into the same root, or run datasets/prepare_cityscapes.py ROOT."
            )
    return scan


class CityscapesDataset(SegmentationDataset):
    """Image/label pairs of one Cityscapes split (seg.data.dataset.SegmentationDataset).

    Labels are trainIds (0..18, 255 ignored); a split that only has ``*_gtFine_labelIds.png`` is mapped
    through the label table.
    """

    def __init__(
        self, root: str | Path, split: str, transform: Transform | None = None, cache_dir: str | Path | None = None
    ) -> None:
        self.root, self.split = Path(root), split
        super().__init__(scan_cityscapes(root, split), transform, cache_dir)


def create_train_id_labels(root: str | Path) -> int:
    """Write ``*_gtFine_labelTrainIds.png`` next to every ``*_gtFine_polygons.json`` under ``root``.

    Runs cityscapesscripts' own createTrainIdLabelImgs (json2labelImg with "trainIds"), which finds the
    data through the CITYSCAPES_DATASET variable and globs gtFine/*/*/*_gt*_polygons.json (and
    gtCoarse). Returns the number of annotation files converted.
    """
    from cityscapesscripts.preparation import createTrainIdLabelImgs

    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"Cityscapes root {root} does not exist. {LAYOUT_HELP}")
    pattern = [str(root / folder / "*" / "*" / "*_gt*_polygons.json") for folder in ("gtFine", "gtCoarse")]
    count = sum(len(glob.glob(p)) for p in pattern)
    if count == 0:
        raise DatasetError(
            f"No annotations under {root}: {pattern[0]} matched nothing. Unpack gtFine_trainvaltest.zip into {root}. {LAYOUT_HELP}"
        )
    previous = os.environ.get("CITYSCAPES_DATASET")
    os.environ["CITYSCAPES_DATASET"] = str(root)
    try:
        createTrainIdLabelImgs.main()
    finally:
        if previous is None:
            del os.environ["CITYSCAPES_DATASET"]
        else:
            os.environ["CITYSCAPES_DATASET"] = previous
    print()  # the script ends its progress line without a newline
    return count
