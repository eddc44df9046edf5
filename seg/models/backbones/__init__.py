"""Encoders by name. Each builder takes (width_mult, output_stride, reduced_tail, tail_expansion, low_level_tap,
dilation_start, dilated_block_residual, padding, hard_sigmoid), the ModelConfig fields of the same names, and returns a module
whose forward gives ``{"low", "high"}`` and which exposes ``low_channels`` / ``high_channels``."""

from __future__ import annotations

from functools import partial

from seg.models.backbones.common import OUTPUT_STRIDES, plan_strides
from seg.models.backbones.mobilenetv2 import MobileNetV2Encoder
from seg.models.backbones.mobilenetv3 import MobileNetV3Encoder
from seg.models.registry import Registry

BACKBONES = Registry(
    "backbone",
    {
        "mobilenet_v3_large": partial(MobileNetV3Encoder, "large"),
        "mobilenet_v3_small": partial(MobileNetV3Encoder, "small"),
        "mobilenet_v2": MobileNetV2Encoder,
    },
)

__all__ = ["BACKBONES", "OUTPUT_STRIDES", "MobileNetV2Encoder", "MobileNetV3Encoder", "plan_strides"]
