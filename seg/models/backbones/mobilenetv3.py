"""MobileNetV3-Large and -Small encoders (Howard et al. 2019, Tables 1 and 2) for dense prediction.

The layer table reads like the paper. Stride and dilation are decided when the table is built
(:func:`plan_strides`), so the network is exactly what the table says; nothing is rewired later.
``features`` mirrors torchvision's module layout, so torchvision's ImageNet state dicts load as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torchvision.ops import Conv2dNormActivation, SqueezeExcitation

from .common import last_index_at_stride, load_imagenet_weights, make_divisible, plan_strides


@dataclass(frozen=True)
class Bneck:
    """One row of Table 1/2: kernel, expansion size, output channels, SE, non-linearity, stride."""

    kernel: int
    expanded: int
    out: int
    se: bool
    activation: str  # "RE" (ReLU) or "HS" (h-swish)
    stride: int


# Table 1 of the paper (MobileNetV3-Large); the stem is a 3x3 conv, 16 channels, h-swish, stride 2.
LARGE = [
    Bneck(3, 16, 16, False, "RE", 1),
    Bneck(3, 64, 24, False, "RE", 2),
    Bneck(3, 72, 24, False, "RE", 1),
    Bneck(5, 72, 40, True, "RE", 2),
    Bneck(5, 120, 40, True, "RE", 1),
    Bneck(5, 120, 40, True, "RE", 1),
    Bneck(3, 240, 80, False, "HS", 2),
    Bneck(3, 200, 80, False, "HS", 1),
    Bneck(3, 184, 80, False, "HS", 1),
    Bneck(3, 184, 80, False, "HS", 1),
    Bneck(3, 480, 112, True, "HS", 1),
    Bneck(3, 672, 112, True, "HS", 1),
    Bneck(5, 672, 160, True, "HS", 2),
    Bneck(5, 960, 160, True, "HS", 1),
    Bneck(5, 960, 160, True, "HS", 1),
]

# Table 2 of the paper (MobileNetV3-Small).
SMALL = [
    Bneck(3, 16, 16, True, "RE", 2),
    Bneck(3, 72, 24, False, "RE", 2),
    Bneck(3, 88, 24, False, "RE", 1),
    Bneck(5, 96, 40, True, "HS", 2),
    Bneck(5, 240, 40, True, "HS", 1),
    Bneck(5, 240, 40, True, "HS", 1),
    Bneck(5, 120, 48, True, "HS", 1),
    Bneck(5, 144, 48, True, "HS", 1),
    Bneck(5, 288, 96, True, "HS", 2),
    Bneck(5, 576, 96, True, "HS", 1),
    Bneck(5, 576, 96, True, "HS", 1),
]

STEM_CHANNELS = 16
LAST_CONV_EXPANSION = 6  # the final 1x1 conv has 6x the last block's channels (960 = 6 * 160, 576 = 6 * 96)

# BatchNorm settings of the paper's TensorFlow models (and torchvision's port): eps 0.001, momentum 0.01.
norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)


def reduce_tail(rows: list[Bneck]) -> list[Bneck]:
    """The paper's RF2 (Sec. 6.1.4): halve the channels of the last stage (the stride-32 blocks).

    The first block of the stage keeps its expansion (it is sized by its input); the rest halve
    expansion and output. The final 1x1 conv follows as 6x the halved width.
    """
    first_tail = max(i for i, row in enumerate(rows) if row.stride > 1)
    reduced = []
    for i, row in enumerate(rows):
        if i >= first_tail:
            expanded = row.expanded if i == first_tail else row.expanded // 2
            row = Bneck(row.kernel, expanded, row.out // 2, row.se, row.activation, row.stride)
        reduced.append(row)
    return reduced


class InvertedResidual(nn.Module):
    """Bneck: 1x1 expand, depthwise (stride or dilation), SE after the depthwise (Fig. 4), 1x1 project."""

    def __init__(self, in_channels: int, row: Bneck, stride: int, dilation: int, residual: bool) -> None:
        super().__init__()
        activation = nn.Hardswish if row.activation == "HS" else nn.ReLU
        layers: list[nn.Module] = []
        if row.expanded != in_channels:
            layers.append(
                Conv2dNormActivation(in_channels, row.expanded, 1, norm_layer=norm_layer, activation_layer=activation)
            )
        layers.append(
            Conv2dNormActivation(
                row.expanded, row.expanded, row.kernel, stride=stride, dilation=dilation, groups=row.expanded,
                norm_layer=norm_layer, activation_layer=activation,
            )
        )  # fmt: skip
        if row.se:
            # Squeeze to a quarter of the expansion, gate with hard-sigmoid (Sec. 5.3).
            squeeze = make_divisible(row.expanded // 4, 8)
            layers.append(SqueezeExcitation(row.expanded, squeeze, scale_activation=nn.Hardsigmoid))
        layers.append(Conv2dNormActivation(row.expanded, row.out, 1, norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        return x + out if self.residual else out


class MobileNetV3Encoder(nn.Module):
    """MobileNetV3 features returning ``{"low": stride-8 map, "high": final map}``.

    ``low`` is the output of the last block at stride 8 (what LR-ASPP's skip taps, Fig. 10);
    ``high`` is the output of the final 1x1 conv (960 channels, 480 with ``reduced_tail``).
    """

    def __init__(
        self, arch: str = "large", width_mult: float = 1.0, output_stride: int = 32, reduced_tail: bool = False
    ) -> None:
        super().__init__()
        if arch not in ("large", "small"):
            raise ValueError(f"MobileNetV3 arch must be 'large' or 'small', got {arch!r}")
        if width_mult <= 0:
            raise ValueError(f"model.width_mult must be positive, got {width_mult}")
        rows = LARGE if arch == "large" else SMALL
        if reduced_tail:
            rows = reduce_tail(rows)
        rows = [
            Bneck(
                r.kernel,
                make_divisible(r.expanded * width_mult),
                make_divisible(r.out * width_mult),
                r.se,
                r.activation,
                r.stride,
            )
            for r in rows
        ]
        nominal = [2] + [r.stride for r in rows] + [1]
        plans = plan_strides(nominal, output_stride)
        stem = make_divisible(STEM_CHANNELS * width_mult)
        layers: list[nn.Module] = [
            Conv2dNormActivation(3, stem, 3, stride=2, norm_layer=norm_layer, activation_layer=nn.Hardswish)
        ]
        in_channels = stem
        for row, plan in zip(rows, plans[1:-1], strict=True):
            # A residual needs the ImageNet stride to be 1, not merely the planned one.
            residual = row.stride == 1 and in_channels == row.out
            layers.append(InvertedResidual(in_channels, row, plan.stride, plan.dilation, residual))
            in_channels = row.out
        last = LAST_CONV_EXPANSION * in_channels
        layers.append(Conv2dNormActivation(in_channels, last, 1, norm_layer=norm_layer, activation_layer=nn.Hardswish))
        self.features = nn.Sequential(*layers)

        self.arch = arch
        self.output_stride = output_stride
        self.low_index = last_index_at_stride(nominal, 8)
        self.low_channels = rows[self.low_index - 1].out
        self.high_channels = last
        # Tensors that RF2 resizes: the stride-32 stage and the final conv (for weight loading).
        first_tail = 1 + max(i for i, row in enumerate(rows) if row.stride > 1)
        self.tail_prefixes = tuple(f"features.{i}." for i in range(first_tail, len(layers)))
        self._init_weights()

    def _init_weights(self) -> None:
        # torchvision's MobileNetV3 initialisation, so from-scratch training starts where theirs does.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        low = None
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i == self.low_index:
                low = x
        assert low is not None
        return {"low": low, "high": x}

    def load_imagenet(self, path: str | Path) -> list[str]:
        """Load torchvision's ``mobilenet_v3_{large,small}`` ImageNet state dict; returns tensors left at init."""
        return load_imagenet_weights(self, path, ignored_prefixes=("classifier.",), tail_prefixes=self.tail_prefixes)
