"""The datasets ``data.dataset`` can name, and the classes each one has.

The class list is a fact of the dataset, so the config holds only ``model.num_classes`` and this is
the one place where the two are compared: every dataset is built through ``check_num_classes`` (the
DataModule, evaluation, the class-weights tool), and a mismatch is one message naming the fix.
"""

from __future__ import annotations

from seg.config import Config, DataConfig
from seg.data.errors import DatasetError
from seg.data.labels import CLASS_NAMES

# data.dataset -> class names in train-id order. "toy" is generated in the Cityscapes layout.
DATASET_CLASSES: dict[str, tuple[str, ...]] = {"cityscapes": CLASS_NAMES, "toy": CLASS_NAMES}
DATASETS = tuple(DATASET_CLASSES)


def class_names(data: DataConfig) -> tuple[str, ...]:
    """The names of ``data.dataset``'s classes, indexed by train id."""
    if data.dataset not in DATASET_CLASSES:
        raise DatasetError(f"Unknown data.dataset={data.dataset!r}; use one of {', '.join(map(repr, DATASETS))}.")
    return DATASET_CLASSES[data.dataset]


def check_num_classes(config: Config) -> tuple[str, ...]:
    """The dataset's class names, after checking that ``model.num_classes`` matches their count."""
    names = class_names(config.data)
    if config.model.num_classes != len(names):
        raise DatasetError(
            f"model.num_classes={config.model.num_classes} but data.dataset={config.data.dataset!r} has "
            f"{len(names)} classes; use --set model.num_classes={len(names)} (or another dataset)."
        )
    return names
