"""Random-weight models that compute like trained ones, for tests and benchmarks without a checkpoint.

A freshly initialised network in eval mode normalises with BatchNorm running statistics (0, 1) that do
not match its activations, which then shrink layer after layer (to ~1e-9 at the MobileNetV3 head): the
LR-ASPP gate is a constant 0.5, quantization ranges collapse, and an export check compares noise.
Re-estimating the statistics on random images (``torch.optim.swa_utils.update_bn``: reset, then a
cumulative average in train mode) gives unit-scale activations, as in a trained network.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.optim.swa_utils import update_bn


def settle_batchnorm(
    model: nn.Module, input_size: tuple[int, int] = (128, 256), batches: int = 2, batch_size: int = 2, seed: int = 0
) -> nn.Module:
    """Re-estimate every BatchNorm's running statistics on random images; returns ``model`` in eval mode."""
    generator = torch.Generator().manual_seed(seed)
    # Batch >= 2: the decoders' image-pooling branches normalise a 1x1 map, impossible on one image in train mode.
    images = [torch.randn(max(2, batch_size), 3, *input_size, generator=generator) for _ in range(batches)]
    with torch.no_grad():
        update_bn(images, model)
    return model.eval()
