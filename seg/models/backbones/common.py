"""Pieces shared by the MobileNet encoders: channel rounding, stride/dilation planning, the inverted residual's
depthwise tap, the encoder around the built layers (taps, tail, initialisation, forward) and ImageNet weights."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

# The valid values of each model field are the config's (seg.config); the modules check them again since
# they can be built without a config.
from seg.config import DILATION_STARTS, LOW_LEVEL_TAPS, OUTPUT_STRIDES
from seg.models.state import StateMismatch, compare_state, describe_mismatch


def check_choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    """A ValueError naming ``model.<key>`` and the valid values when ``value`` is not one of ``choices``."""
    if value not in choices:
        raise ValueError(f"model.{key}={value!r} is not supported; use one of {choices}.")


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round channels to a multiple of ``divisor`` without dropping more than 10% (MobileNetV2/V3 convention)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


@dataclass(frozen=True)
class LayerPlan:
    """Where a layer sits once the output stride is decided."""

    stride: int  # the stride the layer really uses
    dilation: int  # its depthwise dilation
    input_stride: int  # resolution (as a stride) of its input
    output_stride: int  # resolution (as a stride) of its output


def plan_strides(
    nominal_strides: list[int], output_stride: int, dilation_start: str = "strided_block"
) -> list[LayerPlan]:
    """Turn the ImageNet strides of a layer table into (stride, dilation) for ``output_stride``.

    Once the running stride has reached ``output_stride``, a layer that would downsample keeps
    stride 1 and multiplies the rate by its stride instead; every later layer of that stage uses
    the new rate. So at 16 the last stage runs at rate 2; at 8 the last two run at rates 2 and 4.

    ``dilation_start`` says which rate the layer that gives up its stride uses itself:
    "strided_block" (the new rate; torchvision's ``dilated=True``, mmsegmentation) or "next_block"
    (the rate before it; the authors' ``mobilenet_base`` in research/slim/nets/mobilenet/mobilenet.py
    sets ``layer_rate = rate`` and only then ``rate *= stride``).
    """
    if output_stride not in OUTPUT_STRIDES:
        raise ValueError(
            f"model.output_stride={output_stride} is not supported; use one of {OUTPUT_STRIDES} "
            "(32 = plain encoder, 16 = last stage dilated, 8 = last two stages dilated)."
        )
    check_choice("dilation_start", dilation_start, DILATION_STARTS)
    plans, current, dilation = [], 1, 1
    for stride in nominal_strides:
        before = current
        layer_dilation = dilation
        if stride > 1 and current >= output_stride:
            dilation *= stride
            stride = 1
            if dilation_start == "strided_block":
                layer_dilation = dilation
        current *= stride
        plans.append(LayerPlan(stride=stride, dilation=layer_dilation, input_stride=before, output_stride=current))
    return plans


def has_residual(
    in_channels: int, out_channels: int, nominal_stride: int, plan: LayerPlan, dilated_block_residual: bool
) -> bool:
    """Whether a block adds its input: its widths match and it runs unstrided. torchvision asks for an ImageNet
    stride of 1; the authors' expanded_conv (research/slim/nets/mobilenet/conv_blocks.py) checks the stride the
    block runs with, so with ``dilated_block_residual`` a block that gave up its stride to dilation adds one too."""
    runs_unstrided = nominal_stride == 1 or (dilated_block_residual and plan.stride == 1)
    return runs_unstrided and in_channels == out_channels


def low_level_index(nominal_strides: list[int], tap: str) -> int:
    """The layer the stride-8 skip reads for ``model.low_level_tap``: the first stride-8 layer for
    "first_block" (torchvision's ``stage_indices[-4]``), else the last one (whose output, or whose
    depthwise output for "depthwise", is tapped)."""
    check_choice("low_level_tap", tap, LOW_LEVEL_TAPS)
    indices = _indices_at_stride(nominal_strides, 8)
    return indices[0] if tap == "first_block" else indices[-1]


def _indices_at_stride(nominal_strides: list[int], stride: int) -> list[int]:
    """The layers whose ImageNet output stride is ``stride``; found on the undilated plan, so a tap is the same
    layer whatever the output stride."""
    indices = [i for i, plan in enumerate(plan_strides(nominal_strides, 32)) if plan.output_stride == stride]
    if not indices:
        raise ValueError(f"No layer outputs stride {stride}")
    return indices


class InvertedResidualBase(nn.Module):
    """An inverted residual block (expand, depthwise, [SE,] project) as one ``nn.Sequential``, which a subclass
    builds and keeps under torchvision's name for it (``LAYERS``), so torchvision's state dicts load."""

    LAYERS: ClassVar[str]

    def __init__(
        self, layers: list[nn.Module], depthwise_index: int, hidden: int, out_channels: int, residual: bool
    ) -> None:
        super().__init__()
        self.add_module(self.LAYERS, nn.Sequential(*layers))
        self.depthwise_index = depthwise_index  # where the depthwise conv sits in the layers
        self.hidden = hidden  # the expansion's width, also the depthwise output's
        self.out_channels = out_channels
        self.residual = residual

    @property
    def layers(self) -> nn.Sequential:
        return getattr(self, self.LAYERS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layers(x)
        return x + out if self.residual else out

    def forward_with_depthwise(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The block's output and its depthwise output (after BatchNorm and activation, before any SE): what the
        authors' end point ``layer_N/depthwise_output`` holds (conv_blocks.expanded_conv), which DeepLab's
        feature extractor taps for both MobileNets (research/deeplab/core/feature_extractor.py)."""
        out = x
        depthwise = x
        for i, layer in enumerate(self.layers):
            out = layer(out)
            if i == self.depthwise_index:
                depthwise = out
        return (x + out if self.residual else out), depthwise


class MobileNetEncoder(nn.Module):
    """A MobileNet's built layers as an encoder returning ``{"low": a stride-8 map, "high": the final map}``.

    ``features`` mirrors torchvision's layout. ``low`` is the map LR-ASPP's skip reads (Fig. 10), chosen by
    ``low_level_tap`` (:func:`low_level_index`): a block's output, or its depthwise output for "depthwise".
    ``tail_prefixes`` name the tensors RF2 resizes (the stride-32 stage and every layer after it).
    """

    def __init__(
        self,
        layers: list[nn.Module],
        nominal_strides: list[int],
        output_stride: int,
        low_level_tap: str,
        high_channels: int,
    ) -> None:
        super().__init__()
        self.features = nn.Sequential(*layers)
        self.output_stride = output_stride
        self.low_level_tap = low_level_tap
        self.low_index = low_level_index(nominal_strides, low_level_tap)
        tapped = layers[self.low_index]
        assert isinstance(tapped, InvertedResidualBase)
        self.low_channels = tapped.hidden if low_level_tap == "depthwise" else tapped.out_channels
        self.high_channels = high_channels
        first_tail = _indices_at_stride(nominal_strides, 32)[0]
        self.tail_prefixes = tuple(f"features.{i}." for i in range(first_tail, len(layers)))
        self._init_weights()

    def _init_weights(self) -> None:
        # torchvision's MobileNetV2/V3 initialisation, so from-scratch training starts where theirs does.
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
            if i == self.low_index and self.low_level_tap == "depthwise":
                x, low = layer.forward_with_depthwise(x)
            else:
                x = layer(x)
                if i == self.low_index:
                    low = x
        assert low is not None
        return {"low": low, "high": x}

    def load_imagenet(self, path: str | Path) -> list[str]:
        """Load torchvision's ImageNet state dict of this architecture (``mobilenet_v2``,
        ``mobilenet_v3_large``/``_small``); returns the tensors left at initialisation."""
        # The ImageNet classifier is not part of the encoder: ``classifier`` and, in MobileNetV2, the 1x1 conv to
        # 1280 channels that follows our last layer (torchvision's features.18).
        classifier = ("classifier.", f"features.{len(self.features)}.")
        return load_imagenet_weights(self, path, ignored_prefixes=classifier, tail_prefixes=self.tail_prefixes)


def load_imagenet_weights(
    encoder: nn.Module, path: str | Path, ignored_prefixes: tuple[str, ...], tail_prefixes: tuple[str, ...]
) -> list[str]:
    """Load a torchvision ImageNet state dict into ``encoder`` (whose ``features`` mirror torchvision's).

    Keys under ``ignored_prefixes`` (the ImageNet classifier) are skipped. A shape mismatch under
    ``tail_prefixes`` is expected with ``reduced_tail``: those tensors are listed in a warning and
    keep their initialisation. Any other missing, unexpected or mis-shaped key is an error.
    Returns the names of the tensors left at initialisation.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"model.backbone_weights={str(path)!r} does not exist. Point it at a torchvision ImageNet state dict "
            "saved with torch.save(model.state_dict(), PATH); nothing is downloaded."
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    state = {k: v for k, v in state.items() if not k.startswith(ignored_prefixes)}
    own = encoder.state_dict()
    found = compare_state(state, own)
    errors = StateMismatch(
        found.unexpected,
        [k for k in found.missing if not k.startswith(tail_prefixes)],
        [k for k in found.misshaped if not k.startswith(tail_prefixes)],
    )
    if errors:
        raise ValueError(
            f"model.backbone_weights={str(path)!r} does not fit {type(encoder).__name__}: "
            f"{describe_mismatch(errors, state, own)}. "
            "Use the torchvision ImageNet weights of the same architecture and width (model.backbone, model.width_mult)."
        )
    left = sorted(found.missing + found.misshaped)  # all under tail_prefixes, or errors would have said so
    loadable = {k: v for k, v in state.items() if k not in found.misshaped}
    encoder.load_state_dict(loadable, strict=False)
    if left:
        warnings.warn(
            f"{path}: {len(left)} tail tensors do not fit the reduced tail (model.reduced_tail=True) and keep their "
            f"initialisation: {', '.join(left)}",
            stacklevel=2,
        )
    return left
