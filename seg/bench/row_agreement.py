"""The agreement column of benchmark tables: every quantized or reduced-precision row against its runtime's fp32 row.

A faster INT8 or bf16 row is only worth its speed if it labels like fp32; the benchmark measures both on the same
held-out images (seg.data.samples.evaluation_samples: images the calibration did not use) with the rows'
own predictors, at the benchmark size, and stores the fraction of pixels with the same argmax in the row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seg.bench.accuracy import compare_predictions
from seg.inference.predictor import Predictor

SUFFIXES = ("-int8", "-bf16")


def fp32_counterpart(backend: str) -> str | None:
    """The fp32 backend a reduced-precision backend is judged against (onnxruntime-int8 -> onnxruntime), else None."""
    for suffix in SUFFIXES:
        if backend.endswith(suffix):
            return backend[: -len(suffix)]
    return None


def add_agreement(
    rows: dict[tuple[str, str], dict],
    predictors: dict[tuple[str, str], Predictor],
    samples: Sequence[tuple[np.ndarray, np.ndarray | None]],
    ignore_index: int = 255,
) -> None:
    """Set ``agreement`` on every (model, backend) row whose fp32 counterpart was measured with it."""
    for (model, backend), row in rows.items():
        reference = fp32_counterpart(backend)
        if reference is None or (model, reference) not in predictors:
            continue
        result = compare_predictions(
            predictors[(model, reference)], predictors[(model, backend)], samples, ignore_index
        )
        row["agreement"] = result.agreement
        row["agreement_images"] = result.images
