"""Reduced ASPP, MobileNetV2's segmentation head (Sandler et al. 2018, Sec. 6.3) and Table 7 rows 1 to 6."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)
    )


class RASPPHead(nn.Module):
    """ASPP reduced to a 1x1 conv branch and an image-pooling branch, concatenated, projected, classified."""

    def __init__(self, high_channels: int, num_classes: int, head_channels: int = 256) -> None:
        super().__init__()
        self.branch = conv_bn_relu(high_channels, head_channels)
        self.image_pool = conv_bn_relu(high_channels, head_channels)
        self.project = conv_bn_relu(2 * head_channels, head_channels)
        self.classifier = nn.Conv2d(head_channels, num_classes, 1)

    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        high = features["high"]
        pooled = self.image_pool(F.adaptive_avg_pool2d(high, 1))
        # The pooled branch is broadcast back to the map (bilinear from 1x1 is a broadcast).
        pooled = pooled.expand(-1, -1, high.shape[-2], high.shape[-1])
        return self.classifier(self.project(torch.cat([self.branch(high), pooled], dim=1)))
