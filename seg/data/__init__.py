"""Data: the datasets (Cityscapes, ADE20K, Pascal VOC, CamVid, the folder format) and their classes, transforms,
the dataset checks, the DataModule (the toy Cityscapes generator is in seg.synthetic)."""

from seg.data.catalog import ClassSet, dataset_classes
from seg.data.cityscapes import CityscapesDataset, create_train_id_labels, read_label
from seg.data.dataset import SegmentationDataset
from seg.data.datasets import build_dataset
from seg.data.errors import DatasetError
from seg.data.io import read_image
from seg.data.labels import (
    CLASS_NAMES,
    IGNORE_INDEX,
    LABELID_TO_TRAINID,
    NUM_CLASSES,
    PALETTE,
    TRAINID_TO_LABELID,
    colorize,
)
from seg.data.transforms import build_train_transform, build_val_transform

# seg.data.datamodule imports Lightning (2 to 3 s more at start-up on the 2-core machine); tools that only read
# labels or images (infer, video_demo, export) should not pay for it, so its names load on first use.
_DATAMODULE_NAMES = ("CityscapesDataModule", "SegmentationDataModule", "per_device_batch_size")


def __getattr__(name: str):
    if name in _DATAMODULE_NAMES:
        from seg.data import datamodule

        return getattr(datamodule, name)
    raise AttributeError(f"module 'seg.data' has no attribute {name!r}")


__all__ = [
    "CLASS_NAMES",
    "IGNORE_INDEX",
    "LABELID_TO_TRAINID",
    "NUM_CLASSES",
    "PALETTE",
    "TRAINID_TO_LABELID",
    "CityscapesDataModule",
    "CityscapesDataset",
    "ClassSet",
    "DatasetError",
    "SegmentationDataModule",
    "SegmentationDataset",
    "build_dataset",
    "dataset_classes",
    "build_train_transform",
    "build_val_transform",
    "colorize",
    "create_train_id_labels",
    "per_device_batch_size",
    "read_image",
    "read_label",
]
