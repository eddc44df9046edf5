"""How far two predictors agree (argmax), their mIoU where labels exist, and their speed ratio."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from seg.bench.timing import time_interleaved
from seg.inference.metrics import SegmentationMetric
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
    ignore_index: int = 255,
) -> Agreement:
    """Run both predictors on (image, label or None) samples at each image's own size."""
    same = total = 0
    labelled = all(label is not None for _, label in samples)
    metrics = [SegmentationMetric(reference.num_classes, ignore_index) for _ in range(2)] if labelled else []
    for image, label in samples:
        a, b = reference.predict(image), candidate.predict(image)
        same += int((a == b).sum())
        total += a.size
        if labelled:
            target = torch.from_numpy(label.astype(np.int64))[None]
            for metric, prediction in zip(metrics, (a, b), strict=True):
                metric.update(torch.from_numpy(prediction.astype(np.int64))[None], target)
    mious = [float(metric.compute().miou) for metric in metrics] if labelled else [None, None]
    return Agreement(len(samples), same / max(total, 1), mious[0], mious[1])


def evaluate_miou(
    predictor: Predictor, samples: Sequence[tuple[np.ndarray, np.ndarray]], ignore_index: int = 255
) -> float:
    """Dataset-level mIoU (one confusion matrix over all samples) of ``predictor`` at each image's own size."""
    metric = SegmentationMetric(predictor.num_classes, ignore_index)
    for image, label in samples:
        prediction = torch.from_numpy(predictor.predict(image).astype(np.int64))[None]
        metric.update(prediction, torch.from_numpy(label.astype(np.int64))[None])
    return float(metric.compute().miou)


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
