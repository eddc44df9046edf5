"""Getting a dataset ready to read, without Lightning: the toy set generated when asked for and absent (or a
real dataset's root checked), and the validation loader that evaluation and the Lightning DataModule share."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import cv2
import torch
from torch.utils.data import DataLoader

from seg.config import DataConfig
from seg.data.dataset import SegmentationDataset
from seg.data.datasets import build_dataset
from seg.data.transforms import build_val_transform
from seg.errors import DatasetError
from seg.synthetic.toy_cityscapes import make_toy_cityscapes, read_toy_marker


def prepare_data(data: DataConfig) -> None:
    """Generate the toy set if ``data`` asks for it and it is absent; for real data only check that the root exists."""
    root = Path(data.root)
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
            f"data.dataset='toy' needs data.toy_train and data.toy_val >= 1 (got {data.toy_train}, {data.toy_val}); "
            "e.g. --set data.toy_train=400 data.toy_val=100."
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


def loader_worker_init(worker_id: int) -> None:
    """Loader workers already run in parallel; OpenCV's and PyTorch's own thread pools inside each only
    oversubscribe the cores (on a 2-core machine OpenCV's cost ~30% extra CPU time in toy generation).
    Ctrl-C is the main process's to handle (seg.train.interrupt finishes the step and writes a checkpoint):
    a worker that died of it first would fail the step."""
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def val_dataset(data: DataConfig) -> SegmentationDataset:
    """The validation split with the validation transform."""
    return build_dataset(data, data.val_split, build_val_transform(data))


def val_loader(data: DataConfig, dataset: SegmentationDataset | None = None, pin_memory: bool = False) -> DataLoader:
    """Batches of ``data.val_batch_size`` uint8 images and labels, in order."""
    workers = data.num_workers
    return DataLoader(
        dataset if dataset is not None else val_dataset(data),
        batch_size=data.val_batch_size,
        shuffle=False,
        num_workers=workers,
        persistent_workers=workers > 0,
        pin_memory=pin_memory,
        worker_init_fn=loader_worker_init,
    )
