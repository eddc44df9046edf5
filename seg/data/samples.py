"""Images for INT8 calibration and the INT8 agreement check: a folder of pictures, or a config's dataset.

The agreement of INT8 with fp32 is measured on images the calibration never saw: a config's validation
split (calibration takes its training split), or, for a folder, the other half of its files (calibration
takes every other file from the first, the check the ones in between), so a quantization that only fits
its calibration images cannot pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seg.config import Config, load_config
from seg.data.datasets import build_dataset
from seg.data.images import IMAGE_SUFFIXES, ImageReadError, list_images, read_image
from seg.errors import DatasetError

Sample = tuple[np.ndarray, "np.ndarray | None"]  # (RGB uint8 image, trainId label or None)


def folder_halves(folder: str | Path) -> tuple[list[Path], list[Path]]:
    """A folder's images (``seg.data.images.list_images``, sorted by path) split in two disjoint halves:
    every other file from the first (calibration) and the files in between (evaluation)."""
    paths = [image.path for image in list_images([folder])]
    if len(paths) < 2:
        raise DatasetError(
            f"{folder} holds {len(paths)} images ({', '.join(IMAGE_SUFFIXES)}); INT8 needs at least 2: every "
            "other file calibrates, the others check the result. Add images or pass a config file."
        )
    return paths[0::2], paths[1::2]


def dataset_samples(config: Config, split: str, limit: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Up to ``limit`` (RGB uint8 image, train-id label) pairs of ``split`` of the config's dataset, spread over the split."""
    dataset = build_dataset(config.data, split)
    samples = []
    for index in _spread(list(range(len(dataset))), limit):
        item = dataset[index]  # without a transform: uint8 image [3, H, W], int64 label
        image = np.ascontiguousarray(item["image"].permute(1, 2, 0).numpy())
        samples.append((image, item["label"].numpy().astype(np.uint8)))
    return samples


def check_source(source: str | Path) -> None:
    """Fail now (before an export) unless ``source`` is a config file or a folder with at least 2 images."""
    source = Path(source)
    if source.is_dir():
        folder_halves(source)
    elif source.suffix != ".py" or not source.is_file():
        raise FileNotFoundError(
            2, "calibration source is neither a folder of images nor a config .py file", str(source)
        )


def calibration_images(
    source: str | Path, limit: int, overrides: Sequence[str] = (), skipped: list[str] | None = None
) -> list[np.ndarray]:
    """Up to ``limit`` images: a folder's calibration half, or the training split of a config file (loaded with
    ``overrides``). A folder's file that cannot be read is left out and its message added to ``skipped``."""
    source = Path(source)
    if source.is_dir():
        return _read(_spread(folder_halves(source)[0], limit), skipped)
    if source.suffix == ".py":
        config = load_config(source, overrides)
        return [image for image, _ in dataset_samples(config, config.data.train_split, limit)]
    raise FileNotFoundError(2, "calibration source is neither a folder of images nor a config .py file", str(source))


def evaluation_samples(
    source: str | Path, limit: int, overrides: Sequence[str] = (), skipped: list[str] | None = None
) -> tuple[list[Sample], str]:
    """Up to ``limit`` samples the calibration did not use, and where they come from (for the report): a
    config's validation split (with labels), or a folder's evaluation half (without)."""
    source = Path(source)
    if source.suffix == ".py":
        config = load_config(source, overrides)
        samples = dataset_samples(config, config.data.val_split, limit)
        return samples, f"{config.data.root} {config.data.val_split} split (calibration used {config.data.train_split})"
    calibration, evaluation = folder_halves(source)
    samples = [(image, None) for image in _read(_spread(evaluation, limit), skipped)]
    return samples, (
        f"{source}, the {len(evaluation)} files between the {len(calibration)} calibration ones (every other file "
        "in path order), none of them used for calibration"
    )


def _read(paths: list[Path], skipped: list[str] | None) -> list[np.ndarray]:
    """The images at ``paths`` that can be read; the messages of the others go to ``skipped`` (an error without)."""
    images = []
    for path in paths:
        try:
            images.append(read_image(path))
        except ImageReadError as error:
            if skipped is None:
                raise
            skipped.append(str(error))
    if not images:
        raise DatasetError(f"None of the {len(paths)} images chosen could be read: {'; '.join(skipped or [])}")
    return images


def random_images(count: int, size: tuple[int, int], batch: int = 1, seed: int = 0) -> list[np.ndarray]:
    """``count`` batches of uniform random RGB uint8 images [batch, H, W, 3] (for timing only)."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, size=(batch, *size, 3), dtype=np.uint8) for _ in range(count)]


def _spread(items: list, limit: int) -> list:
    """``limit`` items evenly spaced over ``items`` (all of them when there are fewer)."""
    if len(items) <= limit:
        return items
    return [items[int(i * len(items) / limit)] for i in range(limit)]
