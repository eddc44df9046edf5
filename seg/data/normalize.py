"""The one normaliser: uint8 RGB pixels to the float inputs the networks take.

Datasets and transforms hand out uint8 images (a quarter of the bytes of float32 through the loader
workers and onto the GPU); training (``SegmentationModule``) and every inference path
(``seg.inference.predictor.Predictor``) normalise here, so what the network sees is computed by one piece
of code whichever tool runs it. The arithmetic is albumentations' ``Normalize`` with
``max_pixel_value=255`` in float32: ``(pixel - 255 * mean) * (1 / (255 * std))``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor


class Normalizer:
    """``images`` uint8 [N, 3, H, W] (any device) -> float32 normalised with the config's mean and std."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
            raise ValueError(f"Normalizer needs 3 means and 3 positive stds, got mean={mean}, std={std}.")
        # Config statistics are fractions of 1 (ImageNet's); pixels arrive as 0..255.
        self.offset = np.asarray(mean, dtype=np.float32) * np.float32(255.0)
        self.scale = np.reciprocal(np.asarray(std, dtype=np.float32) * np.float32(255.0))
        self._tensors: dict[torch.device, tuple[Tensor, Tensor]] = {}

    def __call__(self, images: Tensor) -> Tensor:
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"Normalizer expects images [N, 3, H, W], got shape {tuple(images.shape)}.")
        offset, scale = self._on(images.device)
        return (images.float() - offset) * scale

    def _on(self, device: torch.device) -> tuple[Tensor, Tensor]:
        if device not in self._tensors:
            self._tensors[device] = (
                torch.from_numpy(self.offset).view(1, 3, 1, 1).to(device),
                torch.from_numpy(self.scale).view(1, 3, 1, 1).to(device),
            )
        return self._tensors[device]
