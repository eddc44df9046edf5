"""Decoders by name. Each builder takes (model config, low_channels, high_channels) and returns an
``nn.Module`` mapping the encoder's ``{"low", "high"}`` dict to logits at the ``low`` or ``high`` resolution."""

from __future__ import annotations

from torch import nn

from seg.config import POOLS, ModelConfig
from seg.models.heads.deeplabv3 import DeepLabV3Head, default_atrous_rates
from seg.models.heads.lraspp import PAPER_POOL, GatePool, LRASPPHead, crop_pool
from seg.models.heads.raspp import RASPPHead
from seg.models.registry import Registry


def gate_pool(model: ModelConfig) -> GatePool | None:
    """The LR-ASPP gate's pool for ``model.pool``: None (global), Fig. 10's, or the authors' crop-derived one."""
    if model.pool not in POOLS:
        raise ValueError(f"model.pool={model.pool!r} is not an LR-ASPP pool; use one of {POOLS}.")
    if model.pool == "paper":
        return PAPER_POOL
    if model.pool == "crop":
        sizes = (*model.pool_crop_size, *model.pool_stride)
        if len(model.pool_crop_size) != 2 or len(model.pool_stride) != 2 or min(sizes) < 1:
            raise ValueError(
                f"model.pool='crop' needs a positive (height, width) model.pool_crop_size and model.pool_stride; "
                f"got {model.pool_crop_size} and {model.pool_stride} (the authors': (769, 769) and (4, 5))."
            )
        return crop_pool(model.pool_crop_size, model.output_stride, model.pool_stride)
    return None


def build_lraspp(model: ModelConfig, low_channels: int, high_channels: int) -> nn.Module:
    return LRASPPHead(
        low_channels,
        high_channels,
        model.num_classes,
        model.head_channels,
        pool=gate_pool(model),
        gate_activation=model.gate_activation,
        gate_bias=model.gate_bias,
        align_corners=model.align_corners,
        hard_sigmoid=model.hard_sigmoid,
    )


def build_raspp(model: ModelConfig, low_channels: int, high_channels: int) -> nn.Module:
    return RASPPHead(high_channels, model.num_classes, model.head_channels)


def build_deeplabv3(model: ModelConfig, low_channels: int, high_channels: int) -> nn.Module:
    rates = model.atrous_rates if model.atrous_rates is not None else default_atrous_rates(model.output_stride)
    return DeepLabV3Head(high_channels, model.num_classes, model.head_channels, tuple(rates))


HEADS = Registry("head", {"lraspp": build_lraspp, "raspp": build_raspp, "deeplabv3": build_deeplabv3})

__all__ = ["HEADS", "DeepLabV3Head", "GatePool", "LRASPPHead", "RASPPHead", "default_atrous_rates", "gate_pool"]
