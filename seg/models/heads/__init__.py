"""Decoders by name. Each builder takes (model config, low_channels, high_channels) and returns an
``nn.Module`` mapping the encoder's ``{"low", "high"}`` dict to logits at the ``low`` or ``high`` resolution."""

from __future__ import annotations

from torch import nn

from ...config import ModelConfig
from ..registry import Registry
from .deeplabv3 import DeepLabV3Head, default_atrous_rates
from .lraspp import LRASPPHead
from .raspp import RASPPHead


def build_lraspp(model: ModelConfig, low_channels: int, high_channels: int) -> nn.Module:
    return LRASPPHead(low_channels, high_channels, model.num_classes, model.head_channels, model.pool)


def build_raspp(model: ModelConfig, low_channels: int, high_channels: int) -> nn.Module:
    return RASPPHead(high_channels, model.num_classes, model.head_channels)


def build_deeplabv3(model: ModelConfig, low_channels: int, high_channels: int) -> nn.Module:
    rates = model.atrous_rates if model.atrous_rates is not None else default_atrous_rates(model.output_stride)
    return DeepLabV3Head(high_channels, model.num_classes, model.head_channels, tuple(rates))


HEADS = Registry("head", {"lraspp": build_lraspp, "raspp": build_raspp, "deeplabv3": build_deeplabv3})

__all__ = ["HEADS", "DeepLabV3Head", "LRASPPHead", "RASPPHead", "default_atrous_rates"]
