"""Lite R-ASPP, the paper's segmentation head (Sec. 6.1.4, Fig. 10).

Three readings of the gate are offered (``model.pool``, ``model.gate_activation``, ``model.gate_bias``):
torchvision's (global average, sigmoid, no bias), the paper's figure (49x49 average, stride (16, 20)) and
the authors' released code (research/deeplab/model.py with the model zoo's flags: an average pool whose
kernel is ``image_pooling_crop_size`` at the output stride, stride ``image_pooling_stride=4,5``, a 1x1
conv with bias and ``q_sigmoid``, then a bilinear resize back to the feature map).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from seg.config import GATE_ACTIVATIONS
from seg.models.activations import hard_sigmoid_layer


@dataclass(frozen=True)
class GatePool:
    """A local average pool for the gate, in feature-map cells; the kernel is clamped to the map."""

    kernel: tuple[int, int]
    stride: tuple[int, int]


# Fig. 10: the gate's average pool is 49x49 with stride (16, 20), sized for 1024x2048 inputs at stride 16.
PAPER_POOL = GatePool((49, 49), (16, 20))


def crop_pool(crop_size: tuple[int, int], output_stride: int, stride: tuple[int, int]) -> GatePool:
    """The authors' pool: kernel = the crop's feature size, ``scale_dimension(crop, 1 / output_stride)``
    (research/deeplab/core/utils.py: ``(crop - 1) / output_stride + 1``), so a 769x769 crop gives 49x49 at
    output stride 16 and 25x25 at 32; stride ``image_pooling_stride`` (the model zoo's 4,5)."""
    kernel = tuple((size - 1) // output_stride + 1 for size in crop_size)
    return GatePool(kernel, stride)  # type: ignore[arg-type]


def local_pool(high: torch.Tensor, pool: GatePool) -> torch.Tensor:
    """``F.avg_pool2d(high, kernel, stride)`` (no padding) with the kernel clamped to the map.

    Written as two averaging matrices built from the map's size, ``rows @ high @ cols.T``, rather than
    with ``F.avg_pool2d``: an ONNX AveragePool's kernel is a constant attribute, so a kernel that
    follows the input size would be frozen at the export size. The matrices are traced from the shape
    (``torch.sym_min``, ``arange``), so an exported graph pools correctly at every input size.
    """
    rows = _window_weights(high.shape[-2], pool.kernel[0], pool.stride[0], high)
    cols = _window_weights(high.shape[-1], pool.kernel[1], pool.stride[1], high)
    # Width first: one (N*C*H, W) x (W, windows) GEMM, then the short row pass (the other order is ~10x slower).
    return rows @ (high @ cols.transpose(0, 1))


def _window_weights(size: int, kernel: int, stride: int, like: torch.Tensor) -> torch.Tensor:
    """[windows, size] matrix whose row i averages positions [i * stride, i * stride + kernel) along one axis."""
    kernel = torch.sym_min(kernel, size)
    windows = (size - kernel) // stride + 1
    starts = torch.arange(windows, device=like.device).unsqueeze(1) * stride
    positions = torch.arange(size, device=like.device).unsqueeze(0)
    inside = ((positions >= starts) & (positions < starts + kernel)).to(like.dtype)
    return inside / inside.sum(dim=1, keepdim=True)


class LRASPPHead(nn.Module):
    """``high`` -> 1x1 conv (F) + BN + ReLU, times a gate from a pooled branch; upsample to ``low``;
    a 1x1 classifier on each branch; the two summed.

    ``pool=None`` gates with a global average (any input size, exports cleanly, as in torchvision); a
    :class:`GatePool` averages local windows (clamped to the feature map, so small inputs pool globally)
    and resizes the gate back to the feature map. The gate is a 1x1 conv (``gate_bias``) followed by a
    sigmoid or a hard sigmoid (``relu6(x + 3) / 6``, or the authors' ``q_sigmoid`` with ``hard_sigmoid="rounded"``). ``align_corners`` is
    used by both bilinear resizes (the authors' ``resize_bilinear`` sets it; torchvision does not).
    """

    def __init__(
        self,
        low_channels: int,
        high_channels: int,
        num_classes: int,
        head_channels: int = 128,
        pool: GatePool | None = None,
        gate_activation: str = "sigmoid",
        gate_bias: bool = False,
        align_corners: bool = False,
        hard_sigmoid: str = "exact",
    ) -> None:
        super().__init__()
        if gate_activation not in GATE_ACTIVATIONS:
            raise ValueError(
                f"model.gate_activation={gate_activation!r} is not supported; use one of {GATE_ACTIVATIONS}."
            )
        self.pool = pool
        self.align_corners = align_corners
        self.cbr = nn.Sequential(
            nn.Conv2d(high_channels, head_channels, 1, bias=False), nn.BatchNorm2d(head_channels), nn.ReLU(inplace=True)
        )
        activation = hard_sigmoid_layer(hard_sigmoid)() if gate_activation == "hard_sigmoid" else nn.Sigmoid()
        self.scale = nn.Sequential(nn.Conv2d(high_channels, head_channels, 1, bias=gate_bias), activation)
        self.low_classifier = nn.Conv2d(low_channels, num_classes, 1)
        self.high_classifier = nn.Conv2d(head_channels, num_classes, 1)

    def gate(self, high: torch.Tensor) -> torch.Tensor:
        if self.pool is None:
            return self.scale(F.adaptive_avg_pool2d(high, 1))
        pooled = local_pool(high, self.pool)
        return F.interpolate(
            self.scale(pooled), size=high.shape[-2:], mode="bilinear", align_corners=self.align_corners
        )

    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        low, high = features["low"], features["high"]
        x = self.cbr(high) * self.gate(high)
        x = F.interpolate(x, size=low.shape[-2:], mode="bilinear", align_corners=self.align_corners)
        return self.low_classifier(low) + self.high_classifier(x)
