"""Data: the Cityscapes label table, datasets, transforms, the DataModule and the toy Cityscapes generator."""

from seg.data.cityscapes import CityscapesDataset, create_train_id_labels, read_image, read_label
from seg.data.datamodule import DATASETS, CityscapesDataModule, per_device_batch_size
from seg.data.errors import DatasetError
from seg.data.labels import (
    CLASS_NAMES,
    IGNORE_INDEX,
    LABELID_TO_TRAINID,
    NUM_CLASSES,
    PALETTE,
    TRAINID_TO_LABELID,
    colorize,
)
from seg.data.toy import make_toy_cityscapes
from seg.data.transforms import build_train_transform, build_val_transform

__all__ = [
    "CLASS_NAMES",
    "DATASETS",
    "IGNORE_INDEX",
    "LABELID_TO_TRAINID",
    "NUM_CLASSES",
    "PALETTE",
    "TRAINID_TO_LABELID",
    "CityscapesDataModule",
    "CityscapesDataset",
    "DatasetError",
    "build_train_transform",
    "build_val_transform",
    "colorize",
    "create_train_id_labels",
    "make_toy_cityscapes",
    "per_device_batch_size",
    "read_image",
    "read_label",
]
