"""ADE20K SceneParsing (the MIT Scene Parsing Benchmark release ``ADEChallengeData2016``), as published::

    ROOT/images/{training,validation}/ADE_{train,val}_<8 digits>.jpg
    ROOT/annotations/{training,validation}/ADE_{train,val}_<8 digits>.png   (8-bit, 0 = other, 1..150 = classes)

Annotation value k is class k - 1 (seg.classes.ADE20K_NAMES) and 0 ("other objects") is ignored,
as in the benchmark's evaluation (tensorflow/models research/deeplab/datasets/data_generator.py gives
ADE20K 151 labels with ignore_label 0). ``data.train_split`` / ``val_split`` name the folders; "train" and
"val" are accepted for "training" and "validation".
"""

from __future__ import annotations

from pathlib import Path

from seg.classes import ADE20K_NAMES
from seg.data.dataset import Scan, index_files, pair_files
from seg.data.io import LabelEncoding
from seg.errors import DatasetError

SPLIT_FOLDERS = {"train": "training", "val": "validation"}
LAYOUT_HELP = (
    "Expected the SceneParsing release ADEChallengeData2016 at data.root: ROOT/images/<split>/*.jpg with "
    "ROOT/annotations/<split>/*.png, <split> being training or validation (datasets/README.md, ADE20K)."
)
ENCODING = LabelEncoding.shifted(
    len(ADE20K_NAMES),
    "ADE20K's values (0 = other, 1..150 = the classes)",
    "Re-extract it from ADEChallengeData2016.zip.",
)


def scan_ade20k(root: str | Path, split: str) -> Scan:
    root, folder = Path(root), SPLIT_FOLDERS.get(split, split)
    if not root.is_dir():
        raise DatasetError(f"ADE20K root {root} (data.root) does not exist. {LAYOUT_HELP}")
    scan = Scan("ADE20K", image_fix="Re-extract it from ADEChallengeData2016.zip.")
    image_dir, label_dir = root / "images" / folder, root / "annotations" / folder
    images = index_files(image_dir, (".jpg", ".jpeg", ".png"), False, scan, "image")
    if not images:
        raise DatasetError(f"No images found for split {split!r}: {image_dir}/*.jpg matched nothing. {LAYOUT_HELP}")
    labels = index_files(label_dir, (".png",), False, scan, "label")
    pair_files(scan, images, labels, ENCODING, lambda k: label_dir / f"{k}.png", lambda k: image_dir / f"{k}.jpg")
    return scan
