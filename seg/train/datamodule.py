"""``SegmentationDataModule``: the Lightning DataModule for every dataset ``data.dataset`` names.

``data.batch_size`` is the global batch (the paper's protocol: 16); each process gets
``batch_size // world_size``. ``prepare_data`` generates the toy set when ``data.dataset == "toy"``
and ``data.root`` does not hold it yet. ``setup("fit")`` first runs the fast dataset check
(seg.data.check.quick_check: pairing, sizes from the file headers, truncated files) on both splits, so
a broken file stops a run in seconds rather than hours into it.
"""

from __future__ import annotations

import lightning.pytorch as pl
from torch.utils.data import DataLoader

from seg.classes import DATASETS
from seg.config import DataConfig
from seg.data.check import quick_check
from seg.data.dataset import SegmentationDataset
from seg.data.datasets import build_dataset
from seg.data.prepare import loader_worker_init, prepare_data, val_dataset, val_loader
from seg.data.transforms import build_train_transform
from seg.errors import DatasetError


def per_device_batch_size(batch_size: int, world_size: int) -> int:
    """Split the global batch evenly over the processes, or explain why it cannot be."""
    if batch_size < 1 or batch_size % world_size != 0:
        raise DatasetError(
            f"data.batch_size={batch_size} is the global batch and must be a positive multiple of the number of "
            f"devices ({world_size}); set data.batch_size to a multiple of {world_size} or change trainer.devices."
        )
    return batch_size // world_size


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
        prepare_data(self.data)

    def setup(self, stage: str | None = None) -> None:
        data = self.data
        if stage in (None, "fit") and self.train_set is None:
            if self.check:
                quick_check(data, (data.train_split, data.val_split))
            self.train_set = build_dataset(data, data.train_split, build_train_transform(data))
            self.train_set.check_cache_space()
        if stage in (None, "fit", "validate") and self.val_set is None:
            self.val_set = val_dataset(data)
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
            worker_init_fn=loader_worker_init,
        )

    def val_dataloader(self) -> DataLoader:
        if self.val_set is None:
            self.setup("validate")
        return val_loader(self.data, self.val_set, pin_memory=self._pin_memory())
