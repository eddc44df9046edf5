"""Parity of any runner (ONNX Runtime, LiteRT, ExecuTorch) against eager PyTorch, and of INT8 against fp32.

A runner is anything with ``__call__(float32 [N, 3, h, w]) -> float32 logits [N, C, h, w]`` (the interface of
:mod:`seg.deploy.runtime`). Every format's export check is :func:`seg.deploy.export.verify_runner` (ONNX's
``verify_onnx`` included), so one ``Parity`` line reads the same for every format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .export import verify_runner

__all__ = ["argmax_agreement", "runner_agreement", "verify_runner"]

Runner = Callable[[np.ndarray], np.ndarray]


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
