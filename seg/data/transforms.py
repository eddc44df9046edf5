"""Training and evaluation transforms, driven by ``DataConfig``.

Training: random scale in ``augment.scale_range`` -> pad to the crop (image with the mean pixel, which
normalises to ~0; mask with the ignore index) -> random crop -> horizontal flip -> colour jitter. That is
the albumentations pipeline ``reference_train_transform`` builds; ``TrainTransform`` computes the same
samples crop-first: it draws the scale and the crop window, then resizes only the part of the original
image between its top-left corner and the window (``_scaled_window``), so a 2x scale of a 2048-wide image
never resizes the whole image, and the pixels are bit for bit those of the full resize followed by the
crop (tests/data/test_transforms.py checks it under the same draws, and the draws' distribution).
Evaluation runs at full resolution. Images stay uint8 [3, H, W]: the model's side normalises them
(seg.data.normalize, the one normaliser shared with every inference path).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import albumentations as A
import cv2
import numpy as np
import torch
from albumentations.pytorch import ToTensorV2

from seg.config import DataConfig, validate_data


def mean_pixel(data: DataConfig) -> tuple[int, int, int]:
    """The normalisation mean as an 8-bit RGB pixel: the padding value of training crops."""
    return tuple(int(round(255.0 * m)) for m in data.mean)  # type: ignore[return-value]


@dataclass(frozen=True)
class CropWindow:
    """One draw of the training geometry, in the coordinates of the scaled and padded image."""

    scale: float
    top: int
    left: int
    flip: bool


def scaled_size(height: int, width: int, scale: float) -> tuple[int, int]:
    """The size albumentations' RandomScale gives (int(), not round())."""
    return int(height * scale), int(width * scale)


def center_pad(size: int, crop: int) -> int:
    """PadIfNeeded(position="center"): the padding before the image along one axis."""
    return int((crop - size) / 2.0) if size < crop else 0


class TrainTransform:
    """``transform(image=uint8 [H, W, 3], mask=uint8 [H, W])`` -> {"image": uint8 [3, h, w], "mask": uint8 [h, w]}.

    Random draws come from a NumPy generator seeded, in each process, from ``torch.initial_seed()``: Lightning's
    ``seed_everything(workers=True)`` gives each loader worker its own, so workers draw different crops and a
    seeded run draws the same ones again. (albumentations' Compose seeds itself from the OS when built and
    every forked worker inherits the same state.) ``set_random_seed`` fixes the draws for tests.
    """

    def __init__(self, data: DataConfig) -> None:
        validate_data(data)
        augment = data.augment
        self.scale_range = (float(augment.scale_range[0]), float(augment.scale_range[1]))
        self.crop_size = (int(augment.crop_size[0]), int(augment.crop_size[1]))
        self.flip_p = 0.5 if augment.hflip else 0.0
        self.fill = mean_pixel(data)
        self.fill_mask = data.ignore_index
        jitter = augment.color_jitter
        self.jitter = (
            A.ColorJitter(
                brightness=jitter, contrast=jitter, saturation=jitter, hue=jitter / 4, p=augment.color_jitter_p
            )
            if jitter > 0 and augment.color_jitter_p > 0
            else None
        )
        self._rng: np.random.Generator | None = None
        self._pid: int | None = None

    def set_random_seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
        if self.jitter is not None:
            self.jitter.set_random_seed(int(self._rng.integers(2**31)))
        self._pid = os.getpid()

    def _generator(self) -> np.random.Generator:
        if self._pid != os.getpid() or self._rng is None:  # first use in this process (a fresh loader worker)
            self.set_random_seed(torch.initial_seed())
        assert self._rng is not None
        return self._rng

    def sample(self, height: int, width: int) -> CropWindow:
        """Draw as the reference pipeline does: scale ~ U(low, high), crop offsets uniform over the valid range."""
        rng = self._generator()
        scale = float(rng.uniform(*self.scale_range))
        crop_h, crop_w = self.crop_size
        scaled_h, scaled_w = scaled_size(height, width, scale)
        padded_h, padded_w = max(scaled_h, crop_h), max(scaled_w, crop_w)
        u_top, u_left, u_flip = rng.random(3)
        # RandomCrop: int((size - crop + 1) * u) with u in [0, 1), i.e. uniform over 0..size - crop.
        top, left = int((padded_h - crop_h + 1) * u_top), int((padded_w - crop_w + 1) * u_left)
        return CropWindow(scale, top, left, bool(u_flip < self.flip_p))

    def apply(self, image: np.ndarray, mask: np.ndarray, window: CropWindow) -> tuple[np.ndarray, np.ndarray]:
        """The crop of ``window``: pixels of the scaled image where it lies, the fill values where it pads."""
        height, width = mask.shape
        crop_h, crop_w = self.crop_size
        scaled_h, scaled_w = scaled_size(height, width, window.scale)
        # Scaled-image coordinates of the crop's first row and column (negative inside the padding).
        y0 = window.top - center_pad(scaled_h, crop_h)
        x0 = window.left - center_pad(scaled_w, crop_w)
        rows = (max(0, -y0), min(crop_h, scaled_h - y0))  # crop rows that fall on the image
        cols = (max(0, -x0), min(crop_w, scaled_w - x0))
        out_image = np.empty((crop_h, crop_w, 3), dtype=np.uint8)
        out_image[:] = self.fill
        out_mask = np.full((crop_h, crop_w), self.fill_mask, dtype=np.uint8)
        if rows[0] < rows[1] and cols[0] < cols[1]:
            block = (slice(*rows), slice(*cols))
            start, size = (y0 + rows[0], x0 + cols[0]), (rows[1] - rows[0], cols[1] - cols[0])
            out_image[block] = _scaled_window(image, start, size, (scaled_h, scaled_w), cv2.INTER_LINEAR)
            out_mask[block] = _scaled_window(mask, start, size, (scaled_h, scaled_w), cv2.INTER_NEAREST)
        if window.flip:
            out_image, out_mask = cv2.flip(out_image, 1), cv2.flip(out_mask, 1)
        return out_image, out_mask

    def __call__(self, *, image: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
        window = self.sample(*mask.shape)
        out_image, out_mask = self.apply(image, mask, window)
        if self.jitter is not None:
            out_image = self.jitter(image=out_image)["image"]
        return {
            "image": torch.from_numpy(np.ascontiguousarray(out_image.transpose(2, 0, 1))),
            "mask": torch.from_numpy(out_mask),
        }


def _scaled_window(
    array: np.ndarray, start: tuple[int, int], size: tuple[int, int], scaled: tuple[int, int], interpolation: int
) -> np.ndarray:
    """Rows/cols ``start`` .. ``start + size`` of ``cv2.resize(array, scaled[::-1], interpolation)``, bit for bit,
    without resizing the rest.

    cv2.resize maps output pixel x to source (x + 0.5) / fx - 0.5 (bilinear) or floor(x / fx) (nearest), with fx
    the ratio it is given when no output size is (else it derives fx from the sizes). Resizing only the source
    rows and columns from 0 up to what the window needs, with the full image's fx and fy, therefore computes
    the full resize's pixels for that window exactly; only the bottom-right part the window does not reach
    is skipped. A memory-mapped array is read only over that prefix.
    """
    height, width = array.shape[:2]
    fy, fx = scaled[0] / height, scaled[1] / width  # the double cv2.resize derives from the full sizes
    end_y, end_x = start[0] + size[0], start[1] + size[1]
    # The last source row/column the window samples, plus a margin so resize's border clamp stays outside it.
    rows = min(height, math.floor((end_y - 0.5) / fy - 0.5) + 3)
    cols = min(width, math.floor((end_x - 0.5) / fx - 0.5) + 3)
    source = np.ascontiguousarray(array[:rows, :cols])
    resized = cv2.resize(source, None, fx=fx, fy=fy, interpolation=interpolation)
    return resized[start[0] : end_y, start[1] : end_x]


def build_train_transform(data: DataConfig) -> TrainTransform:
    return TrainTransform(data)


def reference_train_transform(data: DataConfig, record_params: bool = True) -> A.Compose:
    """The same augmentation as albumentations steps over the whole image (what ``TrainTransform`` replaced):
    kept as the reference its tests compare with and the baseline of ``tools/benchmark_loader.py``.
    ``record_params``: outputs carry ``applied_transforms``, the draws (scale, crop, flip) it made."""
    augment = data.augment
    validate_data(data)
    low, high = augment.scale_range
    crop_height, crop_width = augment.crop_size
    jitter = augment.color_jitter
    steps = [
        # RandomScale's limits are offsets from 1: scale_limit=(low - 1, high - 1) samples [low, high].
        A.RandomScale(
            scale_limit=(low - 1.0, high - 1.0),
            interpolation=cv2.INTER_LINEAR,
            mask_interpolation=cv2.INTER_NEAREST,
            p=1.0,
        ),
        A.PadIfNeeded(
            min_height=crop_height,
            min_width=crop_width,
            border_mode=cv2.BORDER_CONSTANT,
            fill=mean_pixel(data),
            fill_mask=data.ignore_index,
            position="center",
        ),
        A.RandomCrop(height=crop_height, width=crop_width),
        A.HorizontalFlip(p=0.5 if augment.hflip else 0.0),
    ]
    if jitter > 0 and augment.color_jitter_p > 0:
        steps.append(
            A.ColorJitter(
                brightness=jitter, contrast=jitter, saturation=jitter, hue=jitter / 4, p=augment.color_jitter_p
            )
        )
    steps.append(ToTensorV2())
    return A.Compose(steps, save_applied_params=record_params)


class ToTensor:
    """Evaluation: the full-resolution pair as uint8 [3, H, W] and [H, W] tensors (copied, so a memory-mapped
    cache entry is never handed out); the Predictor normalises the image."""

    def __call__(self, *, image: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
        return {"image": torch.from_numpy(np.array(image.transpose(2, 0, 1))), "mask": torch.from_numpy(np.array(mask))}


def build_val_transform(data: DataConfig) -> ToTensor:
    """Full-resolution images as they are: uint8 [3, H, W] (the Predictor normalises them)."""
    return ToTensor()
