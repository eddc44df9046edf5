"""Parity of any runner (ONNX Runtime, LiteRT, ExecuTorch) against eager PyTorch.

A runner is anything with ``__call__(float32 [N, 3, h, w]) -> float32 logits [N, C, h, w]`` (the interface of
:mod:`seg.runtimes.factory`). Every format's export check is :func:`seg.export.verify.verify_runner` (ONNX's
``verify_onnx`` included), so one ``Parity`` line reads the same for every format. INT8 against fp32 is
``seg.bench.accuracy.compare_predictions``; both count agreement with ``seg.inference.metrics.agreement``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seg.errors import ExportError
from seg.inference.metrics import agreement
from seg.runtimes.onnxruntime import ort_session

# Parity thresholds of tools/export_onnx.py: max |logit difference| and argmax agreement.
LOGIT_TOLERANCE = 1e-3
MIN_AGREEMENT = 0.999


@dataclass(frozen=True)
class Parity:
    """A runtime against eager PyTorch at one input shape."""

    batch: int
    size: tuple[int, int]
    max_abs_diff: float  # over logits; NaN for a label-map export
    agreement: float  # fraction of pixels with the same argmax

    def ok(self, tolerance: float = LOGIT_TOLERANCE, min_agreement: float = MIN_AGREEMENT) -> bool:
        return (np.isnan(self.max_abs_diff) or self.max_abs_diff <= tolerance) and self.agreement >= min_agreement

    def line(self) -> str:
        diff = "n/a (label map)" if np.isnan(self.max_abs_diff) else f"{self.max_abs_diff:.2e}"
        return (
            f"batch {self.batch}, {self.size[0]}x{self.size[1]}: max |logit diff| {diff}, "
            f"argmax agreement {100 * self.agreement:.3f}%"
        )


def verification_shapes(input_size: tuple[int, int], dynamic: bool) -> list[tuple[int, tuple[int, int]]]:
    """(batch, size) to check: the export size; if dynamic, half of it at batch 2 and an odd size (not divisible by 32)."""
    height, width = input_size
    shapes = [(1, (height, width))]
    if dynamic:
        half = (max(32, height // 2 // 32 * 32), max(32, width // 2 // 32 * 32))
        odd = (max(height * 3 // 4, 40) | 1, max(width * 3 // 4, 40) | 1)
        shapes += [(2, half), (1, odd)]
    return shapes


def verify_onnx(
    model: nn.Module,
    path: str | Path,
    shapes: list[tuple[int, tuple[int, int]]],
    threads: int | None = None,
    seed: int = 0,
) -> list[Parity]:
    """Run ``path`` on ONNX Runtime and ``model`` (unfolded, eager) on the same random inputs at each shape."""
    session = ort_session(path, threads)
    input_name = session.get_inputs()[0].name
    return verify_runner(model, lambda images: session.run(None, {input_name: images})[0], shapes, f"{path}", seed)


def verify_runner(
    model: nn.Module,
    runner: Callable[[np.ndarray], np.ndarray],
    shapes: Sequence[tuple[int, tuple[int, int]]],
    name: str,
    seed: int = 0,
) -> list[Parity]:
    """Any runtime against eager PyTorch: ``runner`` (float32 [N, 3, h, w] -> logits, or uint8 label maps for a
    label-map export) and ``model`` (eval mode) on the same random inputs at each (batch, (H, W))."""
    model = model.eval()
    generator = torch.Generator().manual_seed(seed)
    results = []
    for batch, size in shapes:
        images = torch.randn(batch, 3, *size, generator=generator)
        with torch.inference_mode():
            expected = model(images).numpy()
        got = np.asarray(runner(images.numpy()))
        if got.ndim == 3:  # label-map export
            diff, same = float("nan"), agreement([(got, expected.argmax(1))])
        else:
            if got.shape != expected.shape:
                raise ExportError(
                    f"{name}: the runtime returned {got.shape} for an input that PyTorch maps to {expected.shape}."
                )
            diff = float(np.abs(got - expected).max())
            same = agreement([(got.argmax(1), expected.argmax(1))])
        results.append(Parity(batch, size, diff, same))
    return results
