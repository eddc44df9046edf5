"""The datasets ``data.dataset`` can name, and the classes each one has.

The class list is a fact of the dataset, so the config holds only ``model.num_classes`` and this is
the one place where the two are compared: every dataset is built through ``check_num_classes`` (the
DataModule, evaluation, the class-weights tool), and a mismatch is one message naming the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seg.config import Config, DataConfig
from seg.data.errors import DatasetError
from seg.data.labels import CLASS_NAMES, PALETTE


@dataclass(frozen=True)
class ClassSet:
    """A dataset's classes in train-id order: names and RGB overlay colours."""

    names: tuple[str, ...]
    palette: tuple[tuple[int, int, int], ...]

    def palette_array(self) -> np.ndarray:
        """[C, 3] uint8 RGB."""
        return np.asarray(self.palette, dtype=np.uint8).reshape(-1, 3)


CITYSCAPES = ClassSet(CLASS_NAMES, tuple(tuple(int(c) for c in color) for color in PALETTE))
# data.dataset -> its classes. "toy" is generated in the Cityscapes layout.
DATASET_CLASSES: dict[str, ClassSet] = {"cityscapes": CITYSCAPES, "toy": CITYSCAPES}
DATASETS = tuple(DATASET_CLASSES)


def dataset_classes(data: DataConfig) -> ClassSet:
    """``data.dataset``'s classes."""
    if data.dataset not in DATASET_CLASSES:
        raise DatasetError(f"Unknown data.dataset={data.dataset!r}; use one of {', '.join(map(repr, DATASETS))}.")
    return DATASET_CLASSES[data.dataset]


def class_names(data: DataConfig) -> tuple[str, ...]:
    """The names of ``data.dataset``'s classes, indexed by train id."""
    return dataset_classes(data).names


def check_num_classes(config: Config) -> tuple[str, ...]:
    """The dataset's class names, after checking that ``model.num_classes`` matches their count."""
    names = class_names(config.data)
    if config.model.num_classes != len(names):
        raise DatasetError(
            f"model.num_classes={config.model.num_classes} but data.dataset={config.data.dataset!r} has "
            f"{len(names)} classes; use --set model.num_classes={len(names)} (or another dataset)."
        )
    return names
