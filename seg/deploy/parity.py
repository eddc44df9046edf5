"""Parity of any runner (ONNX Runtime, LiteRT, ExecuTorch) against eager PyTorch, and of INT8 against fp32.

A runner is anything with ``__call__(float32 [N, 3, h, w]) -> float32 logits [N, C, h, w]`` (the interface of
:mod:`seg.deploy.runtime`). The ONNX export keeps its own :func:`seg.deploy.export.verify_onnx`; the mobile
formats share this one, so one ``Parity`` line reads the same for every format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from .export import ExportError, Parity

Runner = Callable[[np.ndarray], np.ndarray]


def verify_runner(
    model: nn.Module, runner: Runner, shapes: Sequence[tuple[int, tuple[int, int]]], name: str, seed: int = 0
) -> list[Parity]:
    """Run ``runner`` and ``model`` (eager, eval mode) on the same random inputs at each (batch, (H, W))."""
    model = model.eval()
    generator = torch.Generator().manual_seed(seed)
    results = []
    for batch, size in shapes:
        images = torch.randn(batch, 3, *size, generator=generator)
        with torch.inference_mode():
            expected = model(images).numpy()
        got = runner(images.numpy())
        if got.shape != expected.shape:
            raise ExportError(
                f"{name}: the runtime returned {got.shape} for an input that PyTorch maps to {expected.shape}."
            )
        diff = float(np.abs(got - expected).max())
        results.append(Parity(batch, size, diff, argmax_agreement(got, expected)))
    return results


def argmax_agreement(logits: np.ndarray, reference: np.ndarray) -> float:
    """Fraction of pixels whose class (argmax over axis 1) is the same in ``logits`` and ``reference``."""
    return float((logits.argmax(1) == reference.argmax(1)).mean())


def runner_agreement(runner: Runner, reference: Runner, batches: Sequence[np.ndarray]) -> float:
    """Pixel-weighted argmax agreement of ``runner`` with ``reference`` (e.g. INT8 with fp32) over ``batches``."""
    same = total = 0
    for batch in batches:
        labels, expected = runner(batch).argmax(1), reference(batch).argmax(1)
        same += int((labels == expected).sum())
        total += labels.size
    if total == 0:
        raise ValueError("runner_agreement needs at least one batch.")
    return same / total
