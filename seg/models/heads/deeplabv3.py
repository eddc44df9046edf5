"""DeepLabV3's ASPP head (Chen et al. 2017), built from segmentation-models-pytorch's ASPP block."""

from __future__ import annotations

import torch
from segmentation_models_pytorch.decoders.deeplabv3.decoder import ASPP
from torch import nn

# Atrous rates at output stride 16 (DeepLabV3, Sec. 3.3); they scale inversely with the output stride.
RATES_AT_OS16 = (6, 12, 18)


def default_atrous_rates(output_stride: int) -> tuple[int, int, int]:
    """(6, 12, 18) at output stride 16, doubled at 8, halved at 32 (the rates follow the feature resolution)."""
    return tuple(max(1, rate * 16 // output_stride) for rate in RATES_AT_OS16)  # type: ignore[return-value]


class DeepLabV3Head(nn.Module):
    """ASPP (1x1 branch, three atrous 3x3 branches, image pooling; projected to F) and a 1x1 classifier."""

    def __init__(
        self,
        high_channels: int,
        num_classes: int,
        head_channels: int = 256,
        atrous_rates: tuple[int, ...] = RATES_AT_OS16,
    ) -> None:
        super().__init__()
        if len(atrous_rates) != 3:
            raise ValueError(f"model.atrous_rates must have three rates, got {atrous_rates}.")
        self.aspp = ASPP(high_channels, head_channels, atrous_rates, separable=False, dropout=0.1)
        self.classifier = nn.Conv2d(head_channels, num_classes, 1)

    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.classifier(self.aspp(features["high"]))
