"""Encoder + decoder, with logits resized to the input."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seg.config import ModelConfig
from seg.models.backbones import BACKBONES
from seg.models.heads import HEADS


class Segmentor(nn.Module):
    """``backbone -> head -> resize``: float images [N, 3, H, W] to logits [N, num_classes, H, W].

    Logits are resized with an explicit ``size=`` (never a fixed scale factor), so any H x W
    works, including sizes not divisible by 32; ``align_corners`` follows ``model.align_corners``.
    """

    def __init__(self, backbone: nn.Module, head: nn.Module, num_classes: int, align_corners: bool = False) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.num_classes = num_classes
        self.align_corners = align_corners

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        logits = self.head(self.backbone(images))
        return F.interpolate(logits, size=images.shape[-2:], mode="bilinear", align_corners=self.align_corners)


def build_model(model: ModelConfig) -> Segmentor:
    """Build the segmentor that ``model`` (the config's model section) describes, randomly initialised.

    It builds and nothing else: ``model.backbone_weights`` is read only when a training run starts
    (``SegmentationModule.load_backbone_weights``); every other tool loads a checkpoint.
    """
    if model.num_classes < 1:
        raise ValueError(f"model.num_classes must be at least 1, got {model.num_classes}.")
    backbone = BACKBONES.get(model.backbone)(
        width_mult=model.width_mult,
        output_stride=model.output_stride,
        reduced_tail=model.reduced_tail,
        tail_expansion=model.tail_expansion,
        low_level_tap=model.low_level_tap,
        dilation_start=model.dilation_start,
        dilated_block_residual=model.dilated_block_residual,
        padding=model.padding,
        hard_sigmoid=model.hard_sigmoid,
    )
    head = HEADS.get(model.head)(model, backbone.low_channels, backbone.high_channels)
    return Segmentor(backbone, head, model.num_classes, model.align_corners)
