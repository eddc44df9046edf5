"""MobileNetV2 encoder (Sandler et al. 2018, Table 2), the paper's baseline in Table 7 rows 1 to 4.

Same interface and output strides as the MobileNetV3 encoder. As in DeepLab's MobileNetV2 feature
extractor, the encoder ends at the last bottleneck (320 channels); the 1x1 conv to 1280 channels
belongs to the ImageNet classifier and is not built. ``features`` mirrors torchvision's layout, so
its ImageNet state dict loads (``features.18`` and ``classifier`` are skipped).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn
from torchvision.ops import Conv2dNormActivation

from seg.config import TAIL_EXPANSIONS
from seg.models.backbones.common import (
    InvertedResidualBase,
    MobileNetEncoder,
    check_choice,
    has_residual,
    make_divisible,
    plan_strides,
)
from seg.models.backbones.padding import conv_norm_activation


@dataclass(frozen=True)
class Stage:
    """One row of MobileNetV2's Table 2: expansion t, output channels c, repeats n, first stride s."""

    expansion: int
    out: int
    repeats: int
    stride: int


TABLE = [
    Stage(1, 16, 1, 1),
    Stage(6, 24, 2, 2),
    Stage(6, 32, 3, 2),
    Stage(6, 64, 4, 2),
    Stage(6, 96, 3, 1),
    Stage(6, 160, 3, 2),
    Stage(6, 320, 1, 1),
]
STEM_CHANNELS = 32
# Stages from this index on run at stride 32 on ImageNet; RF2 halves their channels.
TAIL_STAGES = 5


class InvertedResidual(InvertedResidualBase):
    """1x1 expand (ReLU6), 3x3 depthwise (ReLU6), linear 1x1 project; torchvision's key layout (``conv.N``)."""

    LAYERS = "conv"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        expansion: int,
        stride: int,
        dilation: int,
        residual: bool,
        padding: str = "symmetric",
    ) -> None:
        hidden = in_channels * expansion
        layers: list[nn.Module] = []
        if expansion != 1:
            layers.append(Conv2dNormActivation(in_channels, hidden, 1, activation_layer=nn.ReLU6))
        depthwise_index = len(layers)
        layers += [
            conv_norm_activation(
                hidden, hidden, 3, stride, dilation, groups=hidden, activation_layer=nn.ReLU6, padding=padding
            ),
            nn.Conv2d(hidden, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        ]
        super().__init__(layers, depthwise_index, hidden, out_channels, residual)


class MobileNetV2Encoder(MobileNetEncoder):
    """MobileNetV2 features returning ``{"low": a stride-8 map, "high": last bottleneck (320 ch)}``.

    ``low`` follows ``low_level_tap`` as in :class:`MobileNetV3Encoder` (32 channels for the last or
    first stride-8 block, 192 for the depthwise output, DeepLab's ``layer_7/depthwise_output``). With
    RF2, ``tail_expansion="halved"`` gives the first stride-32 block expansion 3 instead of 6.
    """

    def __init__(
        self,
        width_mult: float = 1.0,
        output_stride: int = 32,
        reduced_tail: bool = False,
        tail_expansion: str = "kept",
        low_level_tap: str = "last_block",
        dilation_start: str = "strided_block",
        dilated_block_residual: bool = False,
        padding: str = "symmetric",
        hard_sigmoid: str = "exact",
    ) -> None:
        del hard_sigmoid  # MobileNetV2 has no squeeze-and-excite; accepted as every encoder builder takes it
        if width_mult <= 0:
            raise ValueError(f"model.width_mult must be positive, got {width_mult}")
        check_choice("tail_expansion", tail_expansion, TAIL_EXPANSIONS)
        blocks = []  # (out_channels, expansion, nominal stride)
        for index, stage in enumerate(TABLE):
            tail = index >= TAIL_STAGES
            out = stage.out // 2 if (tail and reduced_tail) else stage.out
            for repeat in range(stage.repeats):
                expansion = stage.expansion
                if reduced_tail and tail_expansion == "halved" and index == TAIL_STAGES and repeat == 0:
                    expansion //= 2
                blocks.append((make_divisible(out * width_mult), expansion, stage.stride if repeat == 0 else 1))
        nominal = [2] + [b[2] for b in blocks]
        plans = plan_strides(nominal, output_stride, dilation_start)
        stem = make_divisible(STEM_CHANNELS * width_mult)
        layers: list[nn.Module] = [conv_norm_activation(3, stem, 3, 2, activation_layer=nn.ReLU6, padding=padding)]
        in_channels = stem
        for (out, expansion, nominal_stride), plan in zip(blocks, plans[1:], strict=True):
            residual = has_residual(in_channels, out, nominal_stride, plan, dilated_block_residual)
            layers.append(InvertedResidual(in_channels, out, expansion, plan.stride, plan.dilation, residual, padding))
            in_channels = out
        # torchvision's features.18 (1x1 conv to 1280) belongs to the ImageNet classifier and is not built.
        super().__init__(layers, nominal, output_stride, low_level_tap, high_channels=in_channels)
