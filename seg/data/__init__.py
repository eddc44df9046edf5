"""Data: the datasets (Cityscapes, ADE20K, Pascal VOC, CamVid, the folder format) and their classes, the user's
own images, rendering, transforms, the dataset checks, the DataModule (the toy generator is in seg.synthetic).

Every name loads on first use: a tool that only needs ``seg.data.render``'s legend placements or
``seg.data.images`` while parsing its arguments must not pay for torch, albumentations or Lightning
(seconds at start-up on the 2-core machine).
"""

from importlib import import_module

_NAMES = {
    "CityscapesDataset": "cityscapes",
    "create_train_id_labels": "cityscapes",
    "read_label": "cityscapes",
    "DatasetError": "errors",
    "ImageFile": "images",
    "ImageReadError": "images",
    "list_images": "images",
    "read_image": "images",
    "CLASS_NAMES": "labels",
    "IGNORE_INDEX": "labels",
    "LABELID_TO_TRAINID": "labels",
    "NUM_CLASSES": "labels",
    "PALETTE": "labels",
    "TRAINID_TO_LABELID": "labels",
    "colorize": "labels",
    "build_train_transform": "transforms",
    "build_val_transform": "transforms",
    "CityscapesDataModule": "datamodule",
    "SegmentationDataModule": "datamodule",
    "per_device_batch_size": "datamodule",
    "ClassSet": "catalog",
    "dataset_classes": "catalog",
    "SegmentationDataset": "dataset",
    "build_dataset": "datasets",
}


def __getattr__(name: str):
    if name in _NAMES:
        return getattr(import_module(f"seg.data.{_NAMES[name]}"), name)
    raise AttributeError(f"module 'seg.data' has no attribute {name!r}")


__all__ = sorted(_NAMES)
