"""Parameter and multiply-add counts, split into backbone and decoder.

Multiply-adds come from torch.utils.flop_counter (FLOPs / 2), which counts convolutions and matrix
products, the operations the paper's MAdds count; element-wise ops and resizes are not included.
The terms are reported too (convolutions, matrix products, and the values bilinear resizes write),
so a count can be compared with one made by another convention (docs/model_zoo.md).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

_aten = torch.ops.aten
_MATMULS = (_aten.mm, _aten.bmm, _aten.addmm, _aten.baddbmm, _aten.matmul)


@dataclass(frozen=True)
class Complexity:
    params: int
    backbone_params: int
    decoder_params: int
    madds: int
    backbone_madds: int
    decoder_madds: int
    input_size: tuple[int, int]
    # Terms of ``madds``: convolutions and matrix products (the LR-ASPP local gate pool is two products).
    conv_madds: int
    matmul_madds: int
    # Values written by bilinear resizes; not in ``madds`` (other counts charge each 1 to 4 multiply-adds).
    resize_outputs: int


def _params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@torch.no_grad()
def count_complexity(model: nn.Module, input_size: tuple[int, int]) -> Complexity:
    """Count a Segmentor (``backbone`` + ``head``) on one ``1x3xHxW`` input, in eval mode.

    The forward pass runs on a copy of the model on the meta device: only shapes are computed, so a
    1024x2048 count takes a second instead of a full-resolution CPU forward.
    """
    meta = copy.deepcopy(model).to("meta").eval()
    # Resizes are recorded as 2 "FLOPs" per value written, so that halving gives the value count.
    counter = FlopCounterMode(display=False, custom_mapping={_aten.upsample_bilinear2d: _resize_outputs})
    with counter:
        meta(torch.zeros(1, 3, *input_size, device="meta"))
    per_module = counter.get_flop_counts()
    # Keys are module paths under the root class name, e.g. "Segmentor.backbone".
    root = type(model).__name__
    ops = per_module.get("Global", {})
    resize_flops = ops.get(_aten.upsample_bilinear2d, 0)
    matmul_flops = sum(ops.get(op, 0) for op in _MATMULS)
    backbone_ops = per_module.get(f"{root}.backbone", {})
    backbone_flops = sum(backbone_ops.values()) - backbone_ops.get(_aten.upsample_bilinear2d, 0)
    total_flops = counter.get_total_flops() - resize_flops
    return Complexity(
        params=_params(model),
        backbone_params=_params(model.backbone),
        decoder_params=_params(model) - _params(model.backbone),
        madds=total_flops // 2,
        backbone_madds=backbone_flops // 2,
        decoder_madds=(total_flops - backbone_flops) // 2,
        input_size=tuple(input_size),  # type: ignore[arg-type]
        conv_madds=(total_flops - matmul_flops) // 2,
        matmul_madds=matmul_flops // 2,
        resize_outputs=resize_flops // 2,
    )


def _resize_outputs(*args: object, out_shape: tuple[int, ...], **kwargs: object) -> int:
    return 2 * math.prod(out_shape)
