"""Images for calibration and evaluation: a folder of pictures, or a config's dataset (with labels)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..config import Config, load_config
from ..data import build_dataset, read_image
from ..data.errors import DatasetError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def folder_images(folder: str | Path, limit: int) -> list[np.ndarray]:
    """Up to ``limit`` RGB uint8 images found under ``folder`` (recursively, sorted by path)."""
    folder = Path(folder)
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise DatasetError(
            f"No images ({', '.join(IMAGE_SUFFIXES)}) under {folder}; pass a folder of images or a config file."
        )
    return [read_image(p) for p in _spread(paths, limit)]


def dataset_samples(config: Config, split: str, limit: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Up to ``limit`` (RGB uint8 image, train-id label) pairs of ``split`` of the config's dataset, spread over the split."""
    dataset = build_dataset(config.data, split)
    samples = []
    for index in _spread(list(range(len(dataset))), limit):
        item = dataset[index]  # without a transform: uint8 image [3, H, W], int64 label
        image = np.ascontiguousarray(item["image"].permute(1, 2, 0).numpy())
        samples.append((image, item["label"].numpy().astype(np.uint8)))
    return samples


def calibration_images(source: str | Path, limit: int, overrides: Sequence[str] = ()) -> list[np.ndarray]:
    """A folder of images, or a config file (loaded with ``overrides``) whose dataset's training split is used."""
    source = Path(source)
    if source.is_dir():
        return folder_images(source, limit)
    if source.suffix == ".py":
        config = load_config(source, overrides)
        return [image for image, _ in dataset_samples(config, config.data.train_split, limit)]
    raise FileNotFoundError(2, "calibration source is neither a folder of images nor a config .py file", str(source))


def random_images(count: int, size: tuple[int, int], batch: int = 1, seed: int = 0) -> list[np.ndarray]:
    """``count`` batches of uniform random RGB uint8 images [batch, H, W, 3] (for timing only)."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, size=(batch, *size, 3), dtype=np.uint8) for _ in range(count)]


def _spread(items: list, limit: int) -> list:
    """``limit`` items evenly spaced over ``items`` (all of them when there are fewer)."""
    if len(items) <= limit:
        return items
    return [items[int(i * len(items) / limit)] for i in range(limit)]
