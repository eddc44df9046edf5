"""Optimizer parameter groups and the per-iteration poly learning-rate schedule.

The schedule is DeepLab's "poly" policy (tensorflow/models research/deeplab/utils/train_utils.py:
lr = base_lr * (1 - step / max_steps) ** power, power 0.9), which the paper's Cityscapes protocol
follows (Sec. 6.3: "the same training protocol as [8, 39]"). It is a ``LambdaLR`` stepped after every
optimizer step (Lightning ``interval="step"``), so its position is the optimizer step count and is
restored with the scheduler state on resume.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import torch
from torch import nn

from seg.config import OptimConfig, effective_warmup_steps, validate_optim


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Two groups: conv/linear weights with ``weight_decay``; normalisation parameters and biases without.

    Decaying BatchNorm's scale and shift or a bias pulls them towards zero without regularising
    anything (they do not set the function's capacity), which hurts small networks trained from scratch.
    """
    decay, no_decay = [], []
    norm_params = {
        id(param)
        for module in model.modules()
        if isinstance(module, (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm))
        for param in module.parameters(recurse=False)
    }
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if id(param) in norm_params or name.endswith(".bias") or param.ndim <= 1:
            no_decay.append(param)
        else:
            decay.append(param)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def build_optimizer(groups: Iterable[dict], optim: OptimConfig) -> torch.optim.Optimizer:
    """SGD with momentum (the paper's protocol) or AdamW, at ``optim.lr``."""
    validate_optim(optim)
    if optim.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=optim.lr)
    return torch.optim.SGD(groups, lr=optim.lr, momentum=optim.momentum)


def poly_factor(
    step: int, max_steps: int, power: float, warmup_steps: int = 0, warmup_start_factor: float = 0.1
) -> float:
    """LR multiplier at optimizer step ``step``: (1 - step / max_steps) ** power, times a linear warmup.

    The warmup ramps from ``warmup_start_factor`` to 1 over ``warmup_steps`` and multiplies the poly
    value, so the two join without a jump.
    """
    factor = (1.0 - min(step, max_steps) / max_steps) ** power
    if step < warmup_steps:
        factor *= warmup_start_factor + (1.0 - warmup_start_factor) * step / warmup_steps
    return factor


def poly_scheduler(
    optimizer: torch.optim.Optimizer, optim: OptimConfig, max_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """The per-iteration poly schedule (with optional warmup) for ``optimizer``.

    The rule is a ``functools.partial`` of the config's values, which LambdaLR does not store in its
    state: on resume the position (the step count) is restored and the shape comes from the current
    config, so a run resumed with a longer ``trainer.max_steps`` follows the longer schedule.
    """
    validate_optim(optim, max_steps)
    rule = functools.partial(
        poly_factor,
        max_steps=max_steps,
        power=optim.poly_power,
        warmup_steps=effective_warmup_steps(optim, max_steps),
        warmup_start_factor=optim.warmup_start_factor,
    )
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=rule)
