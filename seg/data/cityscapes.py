"""Cityscapes as a torch Dataset, read by file name; and the official trainId preparation.

Layout (the official zips, unpacked under one root)::

    ROOT/leftImg8bit/{train,val,test}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    ROOT/gtFine/{train,val,test}/<city>/<city>_<seq>_<frame>_gtFine_labelTrainIds.png   (prepare_cityscapes.py)
    ROOT/gtFine/{train,val,test}/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png        (in the zip)

Pairs are checked when the dataset is built; each file is checked when it is loaded.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from seg.data.errors import DatasetError
from seg.data.images import read_image
from seg.data.labels import IGNORE_INDEX, LABEL_IDS, LABELID_TO_TRAINID, NUM_CLASSES

IMAGE_SUFFIX = "_leftImg8bit.png"
TRAINID_SUFFIX = "_gtFine_labelTrainIds.png"
LABELID_SUFFIX = "_gtFine_labelIds.png"
LAYOUT_HELP = (
    "Expected ROOT/leftImg8bit/<split>/<city>/*_leftImg8bit.png with labels in "
    "ROOT/gtFine/<split>/<city>/*_gtFine_labelTrainIds.png (or *_gtFine_labelIds.png). "
    "datasets/README.md says how to download and prepare Cityscapes (any root works: --set data.root=DIR); "
    "for a small synthetic set in the same layout run `python datasets/make_toy_cityscapes.py --root DIR`."
)
# Ends the message of an unreadable image of the dataset (a user's own photo gets no such hint).
IMAGE_HINT = "Re-extract it from leftImg8bit_trainvaltest.zip (or regenerate the toy set)."
# Values a label file may hold, by encoding.
_VALID_TRAINIDS = np.zeros(256, dtype=bool)
_VALID_TRAINIDS[list(range(NUM_CLASSES)) + [IGNORE_INDEX]] = True
_VALID_LABELIDS = np.zeros(256, dtype=bool)
_VALID_LABELIDS[list(LABEL_IDS)] = True

Transform = Callable[..., dict[str, Any]]  # albumentations-style: transform(image=..., mask=...) -> dict


def _stem(path: Path, suffix: str) -> tuple[str, str]:
    """(city folder, file name without the suffix): the key that pairs an image with its label."""
    return path.parent.name, path.name[: -len(suffix)]


class CityscapesDataset(Dataset):
    """Image/label pairs of one split. Items: {"image": uint8 [3, H, W], "label": int64 [H, W], "path": str}.

    ``transform`` is an albumentations pipeline ending in ToTensorV2 (seg/data/transforms.py); images
    stay uint8 RGB with or without one (seg.data.normalize turns them into model inputs). Labels are trainIds
    (0..18, 255 ignored); a split that only has ``*_gtFine_labelIds.png`` is mapped through the label table.
    """

    def __init__(self, root: str | Path, split: str, transform: Transform | None = None) -> None:
        self.root, self.split, self.transform = Path(root), split, transform
        image_dir, label_dir = self.root / "leftImg8bit" / split, self.root / "gtFine" / split
        if not self.root.is_dir():
            raise DatasetError(f"Cityscapes root {self.root} does not exist. {LAYOUT_HELP}")
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
                raise DatasetError(
                    f"Label {label} has no image: expected {expected}. Restore the image or remove the label."
                )
        self.samples: list[tuple[Path, Path, bool]] = []  # (image, label, label holds labelIds)
        for key in sorted(images):
            if key in train_ids:
                self.samples.append((images[key], train_ids[key], False))
            elif key in label_ids:
                self.samples.append((images[key], label_ids[key], True))
            else:
                expected = label_dir / key[0] / f"{key[1]}{TRAINID_SUFFIX}"
                raise DatasetError(
                    f"Image {images[key]} has no label: expected {expected} (or {LABELID_SUFFIX}). "
                    "Unpack gtFine_trainvaltest.zip into the same root, or run datasets/prepare_cityscapes.py ROOT."
                )

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, Any]:
        image_path, label_path, is_label_ids = self.samples[index]
        image = read_image(image_path, hint=IMAGE_HINT)
        label = read_label(label_path, is_label_ids)
        if image.shape[:2] != label.shape:
            raise DatasetError(
                f"Image {image_path} is {image.shape[1]}x{image.shape[0]} but its label {label_path} is "
                f"{label.shape[1]}x{label.shape[0]} (width x height); they must match pixel for pixel."
            )
        if self.transform is not None:
            out = self.transform(image=image, mask=label)
            image_tensor, label_tensor = out["image"], torch.as_tensor(out["mask"]).long()
        else:
            image_tensor = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
            label_tensor = torch.from_numpy(label).long()
        return {"image": image_tensor, "label": label_tensor, "path": str(image_path)}


def read_label(path: str | Path, is_label_ids: bool = False) -> np.ndarray:
    """A trainId uint8 [H, W] map (255 = ignore). ``is_label_ids``: the file holds official labelIds."""
    label = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if label is None:
        raise DatasetError(
            f"Cannot read label {path}: the file is missing, unreadable or not a valid PNG. Re-extract gtFine_trainvaltest.zip or re-run datasets/prepare_cityscapes.py."
        )
    if label.ndim != 2 or label.dtype != np.uint8:
        raise DatasetError(
            f"Label {path} is {label.dtype} with shape {label.shape}; expected a single-channel 8-bit PNG of ids "
            "(a *_color.png cannot be used as a label)."
        )
    valid = _VALID_LABELIDS if is_label_ids else _VALID_TRAINIDS
    present = np.flatnonzero(np.bincount(label.ravel(), minlength=256))
    bad = present[~valid[present]]
    if bad.size:
        allowed = "Cityscapes labelIds 0..33" if is_label_ids else f"trainIds 0..{NUM_CLASSES - 1} and {IGNORE_INDEX}"
        raise DatasetError(
            f"Label {path} contains ids {bad.tolist()} outside the Cityscapes table ({allowed}). Regenerate it with datasets/prepare_cityscapes.py."
        )
    return LABELID_TO_TRAINID[label] if is_label_ids else label


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
