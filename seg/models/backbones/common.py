"""Pieces shared by the MobileNet encoders: channel rounding, stride/dilation planning, ImageNet weights."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

# The valid values of each model field are the config's (seg.config); the modules check them again since
# they can be built without a config.
from ...config import DILATION_STARTS, LOW_LEVEL_TAPS, OUTPUT_STRIDES
from ..state import StateMismatch, compare_state, describe_mismatch


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


def last_index_at_stride(nominal_strides: list[int], stride: int) -> int:
    """Index of the last layer whose ImageNet output stride is ``stride`` (the end of that stage).

    Found on the undilated plan, so the tap is the same layer whatever the output stride.
    """
    return _indices_at_stride(nominal_strides, stride)[-1]


def low_level_index(nominal_strides: list[int], tap: str) -> int:
    """The layer the stride-8 skip reads for ``model.low_level_tap``: the first stride-8 layer for
    "first_block" (torchvision's ``stage_indices[-4]``), else the last one (whose output, or whose
    depthwise output for "depthwise", is tapped)."""
    check_choice("low_level_tap", tap, LOW_LEVEL_TAPS)
    indices = _indices_at_stride(nominal_strides, 8)
    return indices[0] if tap == "first_block" else indices[-1]


def _indices_at_stride(nominal_strides: list[int], stride: int) -> list[int]:
    indices = [i for i, plan in enumerate(plan_strides(nominal_strides, 32)) if plan.output_stride == stride]
    if not indices:
        raise ValueError(f"No layer outputs stride {stride}")
    return indices


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
