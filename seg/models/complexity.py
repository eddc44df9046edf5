"""Parameter and multiply-add counts, split into backbone and decoder.

Multiply-adds come from torch.utils.flop_counter (FLOPs / 2), which counts convolutions and matrix
products, the operations the paper's MAdds count; element-wise ops and resizes are not included.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


@dataclass(frozen=True)
class Complexity:
    params: int
    backbone_params: int
    decoder_params: int
    madds: int
    backbone_madds: int
    decoder_madds: int
    input_size: tuple[int, int]


def _params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@torch.no_grad()
def count_complexity(model: nn.Module, input_size: tuple[int, int]) -> Complexity:
    """Count a Segmentor (``backbone`` + ``head``) on one ``1x3xHxW`` input, in eval mode."""
    was_training = model.training
    model.eval()
    counter = FlopCounterMode(display=False)
    try:
        with counter:
            model(torch.zeros(1, 3, *input_size))
    finally:
        model.train(was_training)
    per_module = counter.get_flop_counts()
    # Keys are module paths under the root class name, e.g. "Segmentor.backbone".
    root = type(model).__name__
    backbone_flops = sum(per_module.get(f"{root}.backbone", {}).values())
    total_flops = counter.get_total_flops()
    return Complexity(
        params=_params(model),
        backbone_params=_params(model.backbone),
        decoder_params=_params(model) - _params(model.backbone),
        madds=total_flops // 2,
        backbone_madds=backbone_flops // 2,
        decoder_madds=(total_flops - backbone_flops) // 2,
        input_size=tuple(input_size),  # type: ignore[arg-type]
    )
