"""MobileNetV3-Large and -Small encoders (Howard et al. 2019, Tables 1 and 2) for dense prediction.

The layer table reads like the paper. Stride and dilation are decided when the table is built
(:func:`plan_strides`), so the network is exactly what the table says; nothing is rewired later.
``features`` mirrors torchvision's module layout, so torchvision's ImageNet state dicts load as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from torch import nn
from torchvision.ops import Conv2dNormActivation, SqueezeExcitation

from seg.config import TAIL_EXPANSIONS
from seg.models.activations import hard_sigmoid_layer
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


def reduce_tail(rows: list[Bneck], tail_expansion: str = "kept") -> list[Bneck]:
    """The paper's RF2 (Sec. 6.1.4): halve the channels of the last stage (the stride-32 blocks).

    Every tail block halves its output and every block after the first halves its expansion. The
    first block's expansion depends on ``tail_expansion``: "kept" leaves it as its input calls for
    (672 Large, 288 Small; torchvision's ``reduced_tail``), "halved" halves it as well (336, 144; the
    authors' ``mobilenet_v3_{large,small}_seg`` in research/deeplab/core/feature_extractor.py, which
    set layer 13's expansion to 336 and layer 9's to 144). The final 1x1 conv follows as 6x the
    halved width.
    """
    check_choice("tail_expansion", tail_expansion, TAIL_EXPANSIONS)
    first_tail = max(i for i, row in enumerate(rows) if row.stride > 1)
    reduced = []
    for i, row in enumerate(rows):
        if i >= first_tail:
            keep = i == first_tail and tail_expansion == "kept"
            expanded = row.expanded if keep else row.expanded // 2
            row = Bneck(row.kernel, expanded, row.out // 2, row.se, row.activation, row.stride)
        reduced.append(row)
    return reduced


class InvertedResidual(InvertedResidualBase):
    """Bneck: 1x1 expand, depthwise (stride or dilation), SE after the depthwise (Fig. 4), 1x1 project."""

    LAYERS = "block"

    def __init__(
        self,
        in_channels: int,
        row: Bneck,
        stride: int,
        dilation: int,
        residual: bool,
        padding: str = "symmetric",
        hard_sigmoid: str = "exact",
    ) -> None:
        activation = nn.Hardswish if row.activation == "HS" else nn.ReLU
        layers: list[nn.Module] = []
        if row.expanded != in_channels:
            layers.append(
                Conv2dNormActivation(in_channels, row.expanded, 1, norm_layer=norm_layer, activation_layer=activation)
            )
        depthwise_index = len(layers)
        layers.append(
            conv_norm_activation(
                row.expanded, row.expanded, row.kernel, stride=stride, dilation=dilation, groups=row.expanded,
                norm_layer=norm_layer, activation_layer=activation, padding=padding,
            )
        )  # fmt: skip
        if row.se:
            # Squeeze to a quarter of the expansion, gate with hard-sigmoid (Sec. 5.3).
            squeeze = make_divisible(row.expanded // 4, 8)
            layers.append(SqueezeExcitation(row.expanded, squeeze, scale_activation=hard_sigmoid_layer(hard_sigmoid)))
        layers.append(Conv2dNormActivation(row.expanded, row.out, 1, norm_layer=norm_layer, activation_layer=None))
        super().__init__(layers, depthwise_index, row.expanded, row.out, residual)


class MobileNetV3Encoder(MobileNetEncoder):
    """MobileNetV3 features returning ``{"low": stride-8 map, "high": final map}``.

    ``low`` is what LR-ASPP's skip reads (Fig. 10), chosen by ``low_level_tap``: the output of the last
    stride-8 block ("last_block", 40 channels for Large), of the first one ("first_block", torchvision's
    tap) or the depthwise output inside the last one ("depthwise", 120 channels for Large: the authors'
    ``layer_7/depthwise_output``). ``high`` is the output of the final 1x1 conv (960 channels, 480 with
    ``reduced_tail``).

    ``dilation_start`` and ``dilated_block_residual`` choose how a block that gives up its stride for
    dilation behaves: torchvision's reading ("strided_block", False) or the authors' ("next_block", True),
    see :func:`plan_strides` and :class:`seg.config.ModelConfig`. ``padding`` pads strided convolutions
    symmetrically (torchvision) or as TensorFlow's "SAME" (the authors', :mod:`.padding`); ``hard_sigmoid`` is
    the SE gate's (:mod:`seg.models.activations`).
    """

    def __init__(
        self,
        arch: str = "large",
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
        if arch not in ("large", "small"):
            raise ValueError(f"MobileNetV3 arch must be 'large' or 'small', got {arch!r}")
        if width_mult <= 0:
            raise ValueError(f"model.width_mult must be positive, got {width_mult}")
        check_choice("tail_expansion", tail_expansion, TAIL_EXPANSIONS)
        rows = LARGE if arch == "large" else SMALL
        if reduced_tail:
            rows = reduce_tail(rows, tail_expansion)
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
        plans = plan_strides(nominal, output_stride, dilation_start)
        stem = make_divisible(STEM_CHANNELS * width_mult)
        layers: list[nn.Module] = [
            conv_norm_activation(
                3, stem, 3, stride=2, norm_layer=norm_layer, activation_layer=nn.Hardswish, padding=padding
            )
        ]
        in_channels = stem
        for row, plan in zip(rows, plans[1:-1], strict=True):
            residual = has_residual(in_channels, row.out, row.stride, plan, dilated_block_residual)
            layers.append(
                InvertedResidual(in_channels, row, plan.stride, plan.dilation, residual, padding, hard_sigmoid)
            )
            in_channels = row.out
        last = LAST_CONV_EXPANSION * in_channels
        layers.append(Conv2dNormActivation(in_channels, last, 1, norm_layer=norm_layer, activation_layer=nn.Hardswish))
        super().__init__(layers, nominal, output_stride, low_level_tap, high_channels=last)
        self.arch = arch
