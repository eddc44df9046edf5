"""``SegmentationDataModule``: the Lightning DataModule for every dataset ``data.dataset`` names.

``data.batch_size`` is the global batch (the paper's protocol: 16); each process gets
``batch_size // world_size``. ``prepare_data`` generates the toy set when ``data.dataset == "toy"``
and ``data.root`` does not hold it yet. ``setup("fit")`` first runs the fast dataset check
(seg.data.check.quick_check: pairing, sizes from the file headers, truncated files) on both splits, so
a broken file stops a run in seconds rather than hours into it.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import cv2
import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader

from seg.config import DataConfig
from seg.data.catalog import DATASETS
from seg.data.check import quick_check
from seg.data.dataset import SegmentationDataset
from seg.data.datasets import build_dataset
from seg.data.errors import DatasetError
from seg.data.transforms import build_train_transform, build_val_transform
from seg.synthetic.toy_cityscapes import make_toy_cityscapes, read_toy_marker


def per_device_batch_size(batch_size: int, world_size: int) -> int:
    """Split the global batch evenly over the processes, or explain why it cannot be."""
    if batch_size < 1 or batch_size % world_size != 0:
        raise DatasetError(
            f"data.batch_size={batch_size} is the global batch and must be a positive multiple of the number of "
            f"devices ({world_size}); set data.batch_size to a multiple of {world_size} or change trainer.devices."
        )
    return batch_size // world_size


def _single_threaded_opencv(worker_id: int) -> None:
    """Loader workers already run in parallel; OpenCV's and PyTorch's own thread pools inside each only
    oversubscribe the cores (on the 2-core CI machine OpenCV's cost ~30% extra CPU time in toy generation).
    Ctrl-C is the main process's to handle (seg.engine.interrupt finishes the step and writes a checkpoint):
    a worker that died of it first would fail the step."""
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class SegmentationDataModule(pl.LightningDataModule):
    def __init__(self, data: DataConfig, check: bool = True) -> None:
        super().__init__()
        if data.dataset not in DATASETS:
            raise DatasetError(f"Unknown data.dataset={data.dataset!r}; use one of {', '.join(map(repr, DATASETS))}.")
        self.data = data
        self.check = check  # the fast dataset check before fitting
        self.train_set: SegmentationDataset | None = None
        self.val_set: SegmentationDataset | None = None

    def prepare_data(self) -> None:
        """Generate the toy set if asked for and absent; for real data only check that the root exists."""
        data, root = self.data, Path(self.data.root)
        if data.dataset != "toy":
            if not root.is_dir():
                raise DatasetError(
                    f"data.root={str(root)!r} does not exist; it should hold the {data.dataset!r} dataset "
                    "(datasets/README.md says how to get and lay it out). Pass --set data.root=DIR."
                )
            return
        wanted = {
            "train": data.toy_train,
            "val": data.toy_val,
            "seed": data.toy_seed,
            "image_size": list(data.toy_image_size),
        }
        if data.toy_train < 1 or data.toy_val < 1:
            raise DatasetError(
                f"data.dataset='toy' needs data.toy_train and data.toy_val >= 1 (got {data.toy_train}, {data.toy_val}); e.g. --set data.toy_train=400 data.toy_val=100."
            )
        marker = read_toy_marker(root)
        if marker is None and root.exists() and any(root.iterdir()):
            raise DatasetError(
                f"data.root={root} is not empty but holds no finished toy set (no toy_cityscapes.json; an interrupted "
                "generation?). Delete the folder or point data.root at an empty or new folder."
            )
        if marker is not None:
            found = {key: marker.get(key) for key in wanted}
            if found != wanted:
                raise DatasetError(
                    f"The toy set in {root} was generated with {found}, but the config asks for {wanted} "
                    "(data.toy_*). Delete the folder to regenerate it, or set data.root to another folder."
                )
            return
        workers = max(1, min(data.num_workers, os.cpu_count() or 1))
        make_toy_cityscapes(
            root, data.toy_train, data.toy_val, data.toy_seed, data.toy_image_size, progress=True, workers=workers
        )

    def setup(self, stage: str | None = None) -> None:
        data = self.data
        if stage in (None, "fit") and self.train_set is None:
            if self.check:
                quick_check(data, (data.train_split, data.val_split))
            self.train_set = build_dataset(data, data.train_split, build_train_transform(data))
            self.train_set.check_cache_space()
        if stage in (None, "fit", "validate") and self.val_set is None:
            self.val_set = build_dataset(data, data.val_split, build_val_transform(data))
            if stage in (None, "fit"):
                self.val_set.check_cache_space()

    def _world_size(self) -> int:
        trainer = self.trainer
        return trainer.world_size if trainer is not None else 1

    def _pin_memory(self) -> bool:
        trainer = self.trainer
        return trainer is not None and trainer.strategy.root_device.type == "cuda"

    def train_dataloader(self) -> DataLoader:
        if self.train_set is None:
            self.setup("fit")
        workers = self.data.num_workers
        return DataLoader(
            self.train_set,
            batch_size=per_device_batch_size(self.data.batch_size, self._world_size()),
            shuffle=True,
            drop_last=True,
            num_workers=workers,
            persistent_workers=workers > 0,
            pin_memory=self._pin_memory(),
            worker_init_fn=_single_threaded_opencv,
        )

    def val_dataloader(self) -> DataLoader:
        if self.val_set is None:
            self.setup("validate")
        workers = self.data.num_workers
        return DataLoader(
            self.val_set,
            batch_size=self.data.val_batch_size,
            shuffle=False,
            num_workers=workers,
            persistent_workers=workers > 0,
            pin_memory=self._pin_memory(),
            worker_init_fn=_single_threaded_opencv,
        )


# The name this module had when it read Cityscapes only.
CityscapesDataModule = SegmentationDataModule
