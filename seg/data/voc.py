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

import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from seg.classes import IGNORE_INDEX, PASCAL_VOC_NAMES
from seg.data.dataset import Sample, Scan
from seg.data.io import LabelEncoding, read_label
from seg.errors import DatasetError

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


def prepare_voc_aug(root: str | Path, sbd: str | Path) -> dict[str, int]:
    """Write SegmentationClassAug/ and ImageSets/Segmentation/train_aug.txt from VOC 2012 and SBD.

    SBD (Hariharan et al., ICCV 2011; ``benchmark_RELEASE/dataset``: img/, cls/<id>.mat, train.txt, val.txt)
    labels 11,355 more VOC images. The augmented training set is VOC train + SBD train + SBD val minus every
    VOC val image (10,582 ids, the ``train_aug`` split of tensorflow/models research/deeplab/datasets/
    data_generator.py). VOC's own labels are kept where they exist (they mark object borders with 255);
    SBD's .mat labels (GTcls.Segmentation) are written as 8-bit PNGs for the others.
    """
    from scipy.io import loadmat  # SBD ships MATLAB files; scipy comes with albumentations

    root, dataset = voc_root(root), Path(sbd)
    if (dataset / "dataset" / "cls").is_dir():
        dataset = dataset / "dataset"
    lists = root / "ImageSets" / "Segmentation"
    for required in (lists / "train.txt", lists / "val.txt", dataset / "cls", dataset / "train.txt"):
        if not required.exists():
            raise DatasetError(
                f"{required} does not exist: pass the VOC2012 folder and SBD's benchmark_RELEASE folder "
                "(datasets/README.md, Pascal VOC 2012)."
            )

    def read_ids(path: Path) -> list[str]:
        return [line.split()[0] for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []

    voc_train, voc_val = read_ids(lists / "train.txt"), set(read_ids(lists / "val.txt"))
    sbd_ids = read_ids(dataset / "train.txt") + read_ids(dataset / "val.txt")
    train_aug = sorted(set(voc_train + sbd_ids) - voc_val)
    out = root / "SegmentationClassAug"
    out.mkdir(exist_ok=True)
    written = {"voc": 0, "sbd": 0}
    for image_id in train_aug:
        voc_label = root / "SegmentationClass" / f"{image_id}.png"
        if voc_label.is_file():
            label = read_label(voc_label, ENCODING)
            written["voc"] += 1
        else:
            mat = dataset / "cls" / f"{image_id}.mat"
            if not mat.is_file():
                raise DatasetError(f"{mat} does not exist but {image_id} is in SBD's lists; re-extract SBD.")
            label = np.asarray(loadmat(mat, squeeze_me=True, struct_as_record=False)["GTcls"].Segmentation, np.uint8)
            written["sbd"] += 1
        image = root / "JPEGImages" / f"{image_id}.jpg"
        if not image.is_file():  # every SBD image is a VOC 2011 image; copy it if this VOC tree lacks it
            shutil.copyfile(dataset / "img" / f"{image_id}.jpg", image)
        Image.fromarray(label, mode="L").save(out / f"{image_id}.png")
    (lists / "train_aug.txt").write_text("".join(f"{image_id}\n" for image_id in train_aug))
    return {"train_aug": len(train_aug), **written}
