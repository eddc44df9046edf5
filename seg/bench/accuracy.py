"""How far two predictors agree (argmax), their mIoU where labels exist, and their speed ratio."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from seg.bench.timing import time_interleaved
from seg.classes import IGNORE_INDEX
from seg.inference.metrics import SegmentationMetric, agreement
from seg.inference.predictor import Predictor


@dataclass(frozen=True)
class Agreement:
    images: int
    agreement: float  # fraction of pixels where both predictors pick the same class
    miou_reference: float | None  # None without labels
    miou_candidate: float | None


def compare_predictions(
    reference: Predictor,
    candidate: Predictor,
    samples: Sequence[tuple[np.ndarray, np.ndarray | None]],
    ignore_index: int = IGNORE_INDEX,
) -> Agreement:
    """Run both predictors on (image, label or None) samples at each image's own size."""
    mious, value = _score([reference, candidate], samples, ignore_index)
    return Agreement(len(samples), value, mious[0], mious[1])


def evaluate_miou(
    predictor: Predictor, samples: Sequence[tuple[np.ndarray, np.ndarray]], ignore_index: int = IGNORE_INDEX
) -> float:
    """Dataset-level mIoU (one confusion matrix over all samples) of ``predictor`` at each image's own size."""
    mious, _ = _score([predictor], samples, ignore_index)
    return mious[0]


def _score(
    predictors: Sequence[Predictor], samples: Sequence[tuple[np.ndarray, np.ndarray | None]], ignore_index: int
) -> tuple[list[float | None], float]:
    """The one loop over samples: each predictor's mIoU (None without labels) and the agreement of the last
    predictor with the first (1.0 for one predictor), every image predicted once by each."""
    labelled = all(label is not None for _, label in samples)
    metrics = [SegmentationMetric(p.num_classes, ignore_index) for p in predictors] if labelled else []

    def label_maps() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for image, label in samples:
            predictions = [predictor.predict(image) for predictor in predictors]
            if labelled:
                target = torch.from_numpy(label.astype(np.int64))[None]
                for metric, prediction in zip(metrics, predictions, strict=True):
                    metric.update(torch.from_numpy(prediction.astype(np.int64))[None], target)
            yield predictions[-1], predictions[0]

    value = agreement(label_maps())
    mious = [float(metric.compute().miou) for metric in metrics] if labelled else [None] * len(predictors)
    return mious, value


def speed_ratio(
    reference: Predictor, candidate: Predictor, size: tuple[int, int], warmup: int = 2, iters: int = 5
) -> tuple[float, float]:
    """Median latencies (ms) of ``infer`` for both predictors, interleaved, on one random batch at ``size``."""
    batch = reference.preprocess(np.random.default_rng(0).integers(0, 256, size=(*size, 3), dtype=np.uint8))
    for _ in range(warmup):
        reference.infer(batch)
        candidate.infer(batch)
    times = time_interleaved(
        {"reference": lambda: reference.infer(batch), "candidate": lambda: candidate.infer(batch)}, iters
    )
    return float(np.median(times["reference"]) * 1e3), float(np.median(times["candidate"]) * 1e3)
