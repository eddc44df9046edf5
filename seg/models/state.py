"""How a stored state dict differs from a model's, said one way wherever weights are loaded (an ImageNet
encoder, a checkpoint, another library's weights)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class StateMismatch:
    """The keys that keep a stored state dict from loading into a model, each list sorted."""

    unexpected: list[str]  # stored keys the model has no place for
    missing: list[str]  # the model's keys the stored state dict lacks
    misshaped: list[str]  # keys in both whose tensors differ in shape

    def __bool__(self) -> bool:
        return bool(self.unexpected or self.missing or self.misshaped)


def compare_state(stored: dict[str, torch.Tensor], own: dict[str, torch.Tensor]) -> StateMismatch:
    """What keeps ``stored`` from loading strictly into a model whose state dict is ``own``."""
    return StateMismatch(
        unexpected=sorted(set(stored) - set(own)),
        missing=sorted(set(own) - set(stored)),
        misshaped=sorted(k for k in set(stored) & set(own) if stored[k].shape != own[k].shape),
    )


def describe_mismatch(
    mismatch: StateMismatch,
    stored: dict[str, torch.Tensor],
    own: dict[str, torch.Tensor],
    shown: Callable[[str], str] = str,
) -> str:
    """One clause per kind of mismatch, each counted with the first keys as examples; a shape is given as
    ``stored vs own``. ``shown`` names a key of both dicts as the user knows it (e.g. the source library's key)."""
    details = []
    if mismatch.unexpected:
        details.append(
            f"{len(mismatch.unexpected)} keys this model has no place for, e.g. {_first(mismatch.unexpected)}"
        )
    if mismatch.missing:
        details.append(f"{len(mismatch.missing)} of this model's tensors are missing, e.g. {_first(mismatch.missing)}")
    if mismatch.misshaped:
        details.append(
            f"{len(mismatch.misshaped)} tensors have another shape (stored vs this model's), e.g. "
            + ", ".join(f"{shown(k)} {tuple(stored[k].shape)} vs {tuple(own[k].shape)}" for k in mismatch.misshaped[:3])
        )
    return "; ".join(details)


def _first(keys: list[str], count: int = 3) -> str:
    return ", ".join(keys[:count]) + (" ..." if len(keys) > count else "")
