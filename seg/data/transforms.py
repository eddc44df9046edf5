"""Training and evaluation transforms (albumentations), driven by ``DataConfig``.

Training: random scale in ``augment.scale_range`` -> pad to the crop (image with the mean pixel,
which normalises to ~0; mask with the ignore index) -> random crop -> horizontal flip -> colour
jitter -> tensor. Masks are always resized with nearest-neighbour interpolation. Evaluation runs at
full resolution: tensor only. Images stay uint8 [3, H, W]: the model's side normalises them
(seg.data.normalize, the one normaliser shared with every inference path).
"""

from __future__ import annotations

import albumentations as A
import cv2
from albumentations.pytorch import ToTensorV2

from seg.config import DataConfig, validate_data


def mean_pixel(data: DataConfig) -> tuple[int, int, int]:
    """The normalisation mean as an 8-bit RGB pixel: the padding value of training crops."""
    return tuple(int(round(255.0 * m)) for m in data.mean)  # type: ignore[return-value]


def build_train_transform(data: DataConfig) -> A.Compose:
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
    return A.Compose(steps)


def build_val_transform(data: DataConfig) -> A.Compose:
    """Full-resolution images as they are: uint8 [3, H, W] (the Predictor normalises them)."""
    return A.Compose([ToTensorV2()])
