"""The Cityscapes label table, derived from cityscapesscripts.helpers.labels (never retyped).

Cityscapes stores two encodings: *labelIds* (the 34 official ids, what the evaluation
server expects) and *trainIds* (the 19 evaluated classes as 0..18, everything else 255).
"""

from __future__ import annotations

import numpy as np
from cityscapesscripts.helpers.labels import labels as _CITYSCAPES_LABELS

IGNORE_INDEX = 255

_TRAIN_LABELS = sorted(
    (label for label in _CITYSCAPES_LABELS if 0 <= label.trainId < IGNORE_INDEX), key=lambda label: label.trainId
)
assert [label.trainId for label in _TRAIN_LABELS] == list(range(len(_TRAIN_LABELS))), "one label per trainId"

NUM_CLASSES = len(_TRAIN_LABELS)  # 19
CLASS_NAMES: tuple[str, ...] = tuple(label.name for label in _TRAIN_LABELS)
# [19, 3] uint8 RGB, indexed by trainId.
PALETTE = np.array([label.color for label in _TRAIN_LABELS], dtype=np.uint8)
# [19] uint8: trainId -> official labelId (e.g. to write predictions for the official evaluator).
TRAINID_TO_LABELID = np.array([label.id for label in _TRAIN_LABELS], dtype=np.uint8)
# Label ids that may appear in a *_labelIds.png (0..33; "license plate" has id -1 and is never drawn).
LABEL_IDS: tuple[int, ...] = tuple(sorted(label.id for label in _CITYSCAPES_LABELS if label.id >= 0))
# [256] uint8 lookup: labelId -> trainId, 255 for ignored classes and for ids outside the table.
LABELID_TO_TRAINID = np.full(256, IGNORE_INDEX, dtype=np.uint8)
for _label in _CITYSCAPES_LABELS:
    if _label.id >= 0:
        LABELID_TO_TRAINID[_label.id] = _label.trainId if 0 <= _label.trainId < IGNORE_INDEX else IGNORE_INDEX
# Names of all labels (the ones a *_gtFine_polygons.json may use) -> labelId.
NAME_TO_LABELID: dict[str, int] = {label.name: label.id for label in _CITYSCAPES_LABELS}


def colorize(label_map: np.ndarray) -> np.ndarray:
    """Map a [H, W] trainId array to an RGB uint8 [H, W, 3] image in the Cityscapes palette; ignored pixels (255)
    are black. Other datasets: ``seg.data.render.colorize(labels, palette)``."""
    from seg.data.render import colorize as colorize_with

    return colorize_with(label_map, PALETTE)
