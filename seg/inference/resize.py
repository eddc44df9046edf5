"""The one resize rule and the one label rule of inference.

Every resize of a normalised image batch, of logits or of probabilities (to a fixed input size, for a
multi-scale pass, a sliding window, or back to the image) is bilinear with the model's own ``align_corners``
(``model.align_corners``: the authors' ``resize_bilinear`` uses True, torchvision False), so the pixels around
the network follow the convention the network itself was trained with. Label maps are uint8 class ids, which
holds ``seg.classes.MAX_CLASSES`` classes (255 marks pixels without one).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from seg.classes import MAX_CLASSES


def resize(batch: Tensor, size: Sequence[int], align_corners: bool) -> Tensor:
    """Bilinear resize of a float batch [N, C, h, w] to ``size`` (H, W); the batch itself when it is that size."""
    size = (int(size[0]), int(size[1]))
    if tuple(batch.shape[-2:]) == size:
        return batch
    return F.interpolate(batch, size=size, mode="bilinear", align_corners=align_corners)


def check_label_count(num_classes: int) -> None:
    """Refuse a class count that uint8 label maps cannot hold."""
    if num_classes > MAX_CLASSES:
        raise ValueError(
            f"uint8 label maps hold {MAX_CLASSES} classes (255 marks pixels without one); this model has {num_classes}."
        )


def to_uint8(labels: Tensor) -> np.ndarray:
    """int64 class ids [N, H, W] -> uint8 numpy label maps (the count was checked by ``check_label_count``)."""
    return labels.to(torch.uint8).cpu().numpy()
