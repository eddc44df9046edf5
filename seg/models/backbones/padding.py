"""TensorFlow's "SAME" padding for strided convolutions (``model.padding="tf_same"``), the authors' reading.

A strided convolution in the authors' TensorFlow graph (slim.conv2d / separable_conv2d with padding='SAME',
research/deeplab/core/feature_extractor.py mobilenet_v2_arg_scope) outputs ``ceil(in / stride)`` cells and pads
``max((out - 1) * stride + k_eff - in, 0)`` in total, the odd cell at the bottom and right. PyTorch's symmetric
``(k - 1) // 2 * dilation`` gives the same output size but samples one cell higher and further left when the
input size is even, so the authors' weights see shifted inputs. Unstrided convolutions with odd kernels pad
the same either way and stay plain ``nn.Conv2d``.

The amounts are computed from the input's shape in ``forward``, so a dynamo ONNX export with dynamic height
and width pads correctly at every size (odd or even).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import Conv2dNormActivation
from torchvision.ops.misc import ConvNormActivation

from seg.config import PADDINGS


class TFSameConv2d(nn.Conv2d):
    """``nn.Conv2d`` that pads like TensorFlow's "SAME" from the input size (its own ``padding`` is unused).

    A subclass, not a wrapper, so state-dict keys, BatchNorm folding and quantisation see an ``nn.Conv2d``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
    ) -> None:
        del padding  # computed per input in forward
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, dilation, groups, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, bottom = same_padding(x.shape[-2], self.kernel_size[0], self.stride[0], self.dilation[0])
        left, right = same_padding(x.shape[-1], self.kernel_size[1], self.stride[1], self.dilation[1])
        return super().forward(F.pad(x, (left, right, top, bottom)))


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """(before, after) padding of TF "SAME" along one axis: total ``k_eff - stride + (-size) % stride``
    (``(ceil(size / stride) - 1) * stride + k_eff - size``), the odd cell after."""
    effective = (kernel - 1) * dilation + 1
    total = effective - stride + (-size) % stride
    # A 1x1 strided conv would need none; torch.sym_max keeps a symbolic size (torch.export) symbolic.
    total = max(total, 0) if isinstance(total, int) else torch.sym_max(total, 0)
    return total // 2, total - total // 2


class TFSameConv2dNormActivation(ConvNormActivation):
    """torchvision's conv + norm + activation (same ``N.0``/``N.1`` keys) around a :class:`TFSameConv2d`."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int,
        dilation: int,
        groups: int,
        norm_layer: Callable[..., nn.Module] | None,
        activation_layer: Callable[..., nn.Module] | None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, groups=groups, norm_layer=norm_layer,
            activation_layer=activation_layer, dilation=dilation, conv_layer=TFSameConv2d,
        )  # fmt: skip


def conv_norm_activation(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    stride: int = 1,
    dilation: int = 1,
    groups: int = 1,
    norm_layer: Callable[..., nn.Module] | None = nn.BatchNorm2d,
    activation_layer: Callable[..., nn.Module] | None = nn.ReLU,
    padding: str = "symmetric",
) -> ConvNormActivation:
    """A conv + norm + activation padded as ``model.padding`` says: a strided one under "tf_same" is a
    :class:`TFSameConv2dNormActivation`, every other one torchvision's ``Conv2dNormActivation``."""
    if padding not in PADDINGS:
        raise ValueError(f"model.padding={padding!r} is not supported; use one of {PADDINGS}.")
    if padding == "tf_same" and stride > 1:
        return TFSameConv2dNormActivation(
            in_channels, out_channels, kernel_size, stride, dilation, groups, norm_layer, activation_layer
        )
    return Conv2dNormActivation(
        in_channels, out_channels, kernel_size, stride, groups=groups, norm_layer=norm_layer,
        activation_layer=activation_layer, dilation=dilation,
    )  # fmt: skip
