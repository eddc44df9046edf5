"""Lite R-ASPP, the paper's segmentation head (Sec. 6.1.4, Fig. 10)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# Fig. 10: the gate's average pool is 49x49 with stride (16, 20), sized for 1024x2048 inputs at stride 16.
PAPER_POOL_KERNEL = (49, 49)
PAPER_POOL_STRIDE = (16, 20)
POOLS = ("global", "paper")


def paper_pool(high: torch.Tensor) -> torch.Tensor:
    """``F.avg_pool2d(high, kernel, stride=(16, 20))`` with the kernel clamped to the map (Fig. 10's pool).

    Written as two averaging matrices built from the map's size, ``rows @ high @ cols.T``, rather than
    with ``F.avg_pool2d``: an ONNX AveragePool's kernel is a constant attribute, so a kernel that
    follows the input size would be frozen at the export size. The matrices are traced from the shape
    (``torch.sym_min``, ``arange``), so an exported graph pools correctly at every input size.
    """
    rows = _window_weights(high.shape[-2], PAPER_POOL_KERNEL[0], PAPER_POOL_STRIDE[0], high)
    cols = _window_weights(high.shape[-1], PAPER_POOL_KERNEL[1], PAPER_POOL_STRIDE[1], high)
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
    """``high`` -> 1x1 conv (F) + BN + ReLU, times a sigmoid gate from a pooled branch; upsample to ``low``;
    a 1x1 classifier on each branch; the two summed.

    ``pool="global"`` gates with a global average (any input size, exports cleanly, as in torchvision);
    ``pool="paper"`` uses Fig. 10's 49x49 / (16, 20) pool, clamped to the feature map so small inputs
    never fail, and resizes the gate back to the feature map.
    """

    def __init__(
        self, low_channels: int, high_channels: int, num_classes: int, head_channels: int = 128, pool: str = "global"
    ) -> None:
        super().__init__()
        if pool not in POOLS:
            raise ValueError(f"model.pool={pool!r} is not an LR-ASPP pool; use one of {POOLS}.")
        self.pool = pool
        self.cbr = nn.Sequential(
            nn.Conv2d(high_channels, head_channels, 1, bias=False), nn.BatchNorm2d(head_channels), nn.ReLU(inplace=True)
        )
        self.scale = nn.Sequential(nn.Conv2d(high_channels, head_channels, 1, bias=False), nn.Sigmoid())
        self.low_classifier = nn.Conv2d(low_channels, num_classes, 1)
        self.high_classifier = nn.Conv2d(head_channels, num_classes, 1)

    def gate(self, high: torch.Tensor) -> torch.Tensor:
        if self.pool == "global":
            return self.scale(F.adaptive_avg_pool2d(high, 1))
        pooled = paper_pool(high)
        return F.interpolate(self.scale(pooled), size=high.shape[-2:], mode="bilinear", align_corners=False)

    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        low, high = features["low"], features["high"]
        x = self.cbr(high) * self.gate(high)
        x = F.interpolate(x, size=low.shape[-2:], mode="bilinear", align_corners=False)
        return self.low_classifier(low) + self.high_classifier(x)
