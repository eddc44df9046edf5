"""Dataset-level mIoU, computed the way the official Cityscapes evaluator computes it, and the agreement of two
label maps (how often two predictors, runtimes or precisions pick the same class).

One confusion matrix is summed over every pixel of the evaluation set (and over every
DDP process: the state reduces with ``sum``), and IoU is read from it only at the end.
Averaging per-batch or per-image IoUs instead gives a different number.

Written here rather than taken from ``torchmetrics.classification.MulticlassJaccardIndex``:
its macro mean skips empty classes too, but its per-class output reports a class absent
from both prediction and ground truth as ``zero_division`` (0), indistinguishable from a
class that was missed entirely, and one metric object cannot give per-class IoU, mIoU,
pixel accuracy and the matrix together. State handling (DDP sync, reset) is torchmetrics'.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor
from torchmetrics import Metric


class SegmentationScores(NamedTuple):
    """What :meth:`SegmentationMetric.compute` returns. IoUs and accuracy are fractions in [0, 1].

    A NamedTuple rather than a frozen dataclass: torchmetrics rebuilds the returned
    collection (to clone its tensors), which it can do for tuples but not frozen dataclasses.
    """

    confusion_matrix: Tensor  # [C, C] int64; rows are ground truth, columns are predictions
    per_class_iou: Tensor  # [C] float64; NaN where the class is in neither prediction nor ground truth
    miou: Tensor  # scalar float64: mean of the non-NaN per-class IoUs
    pixel_accuracy: Tensor  # scalar float64: correct / non-ignored pixels


class SegmentationMetric(Metric):
    """Confusion-matrix mIoU and pixel accuracy over a whole dataset.

    ``update(preds, target)`` takes class indices ``preds`` [N, H, W] or logits / probabilities
    [N, C, H, W] (arg-maxed here) and ``target`` [N, H, W] with ``ignore_index`` on unlabeled pixels.
    The values from ``compute()`` are already reduced across processes, so log them with
    ``sync_dist=False``.
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    confusion_matrix: Tensor

    def __init__(self, num_classes: int, ignore_index: int = 255) -> None:
        super().__init__()
        if num_classes < 1:
            raise ValueError(f"SegmentationMetric: num_classes must be >= 1, got {num_classes}.")
        if 0 <= ignore_index < num_classes:
            raise ValueError(
                f"SegmentationMetric: ignore_index={ignore_index} is a real class id (num_classes={num_classes}); "
                "use an id outside [0, num_classes), e.g. 255."
            )
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        zeros = torch.zeros(num_classes, num_classes, dtype=torch.int64)
        self.add_state("confusion_matrix", default=zeros, dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        if preds.ndim == target.ndim + 1:
            if preds.shape[1] != self.num_classes:
                raise ValueError(
                    f"SegmentationMetric: logits have {preds.shape[1]} channels but num_classes={self.num_classes}."
                )
            preds = preds.argmax(dim=1)
        if preds.shape != target.shape:
            raise ValueError(
                f"SegmentationMetric: predictions {tuple(preds.shape)} and target {tuple(target.shape)} differ in shape; "
                "resize the logits to the label size before updating."
            )
        if preds.is_floating_point() or target.is_floating_point():
            raise ValueError("SegmentationMetric: class-index predictions and targets must be integer tensors.")
        classes = self.num_classes
        preds, target = preds.long(), target.long()
        valid = target != self.ignore_index
        bad_target = valid & ((target < 0) | (target >= classes))
        bad_preds = valid & ((preds < 0) | (preds >= classes))
        if bool((bad_target | bad_preds).any()):
            raise ValueError(
                f"SegmentationMetric: found ids outside [0, {classes}) that are not ignore_index={self.ignore_index} "
                f"(targets {torch.unique(target[bad_target]).tolist()}, predictions "
                f"{torch.unique(preds[bad_preds]).tolist()}); map labels to train ids (void -> {self.ignore_index}) first."
            )
        # Ignored pixels go to one extra bin that is dropped, so no boolean indexing is needed.
        index = torch.where(valid, classes * target + preds, classes * classes)
        counts = torch.bincount(index.flatten(), minlength=classes * classes + 1)[:-1]
        self.confusion_matrix += counts.reshape(classes, classes)

    def compute(self) -> SegmentationScores:
        return scores_from_confusion_matrix(self.confusion_matrix)


def scores_from_confusion_matrix(confusion_matrix: Tensor) -> SegmentationScores:
    """Per-class IoU = diag / (row + col - diag); the mean skips classes whose union is empty."""
    matrix = confusion_matrix.double()
    intersection = matrix.diagonal()
    union = matrix.sum(dim=0) + matrix.sum(dim=1) - intersection
    nan = torch.tensor(float("nan"), dtype=torch.float64, device=matrix.device)
    per_class_iou = torch.where(union > 0, intersection / union.clamp(min=1), nan)
    # cityscapesscripts' getScoreAverage: a NaN class is left out; no valid class at all gives NaN.
    miou = per_class_iou.nanmean()
    total = matrix.sum()
    pixel_accuracy = torch.where(total > 0, intersection.sum() / total.clamp(min=1), nan)
    return SegmentationScores(confusion_matrix.clone(), per_class_iou, miou, pixel_accuracy)


def agreement(pairs: Iterable[tuple[np.ndarray | Tensor, np.ndarray | Tensor]]) -> float:
    """Fraction of pixels with the same class in ``labels`` and ``reference``, over all ``(labels, reference)``
    pairs of label maps (arg-maxed already; any equal shapes): pixel-weighted, so a big image counts for more
    pixels than a small one. The argmax agreement of every export check, INT8 check and label-map benchmark."""
    same = total = 0
    for labels, reference in pairs:
        labels, reference = np.asarray(labels), np.asarray(reference)
        if labels.shape != reference.shape:
            raise ValueError(f"agreement: label maps {labels.shape} and {reference.shape} differ in shape.")
        same += int(np.count_nonzero(labels == reference))
        total += labels.size
    if total == 0:
        raise ValueError("agreement needs at least one pixel.")
    return same / total


def _class_names(num_classes: int, class_names: Sequence[str]) -> list[str]:
    if len(class_names) != num_classes:
        raise ValueError(f"Got {len(class_names)} class names for {num_classes} classes.")
    return list(class_names)


def _percent(value: float) -> float | None:
    """Percent rounded to 1e-4 points; None (JSON null) for NaN."""
    return None if math.isnan(value) else round(100.0 * value, 4)


def scores_to_dict(
    scores: SegmentationScores, class_names: Sequence[str], inference: str | None = None
) -> dict[str, Any]:
    """A JSON-ready report: mIoU, pixel accuracy and per-class IoU in percent, keyed by the dataset's class names
    (seg.classes.check_num_classes).

    Classes with an empty union are ``None``. ``inference`` (from ``describe_inference``) is
    stored next to the numbers so a score is never separated from how it was obtained.
    """
    names = _class_names(scores.per_class_iou.numel(), class_names)
    report: dict[str, Any] = {
        "miou": _percent(float(scores.miou)),
        "pixel_accuracy": _percent(float(scores.pixel_accuracy)),
        "per_class_iou": {name: _percent(float(iou)) for name, iou in zip(names, scores.per_class_iou, strict=True)},
        "num_pixels": int(scores.confusion_matrix.sum()),
    }
    if inference is not None:
        report["inference"] = inference
    return report


def format_scores_table(scores: SegmentationScores, class_names: Sequence[str], inference: str | None = None) -> str:
    """A text table: IoU (%) per class, then mIoU and pixel accuracy (%)."""
    report = scores_to_dict(scores, class_names, inference)
    width = max(len("pixel accuracy"), *(len(name) for name in report["per_class_iou"]))

    def cell(value: float | None) -> str:
        return f"{'n/a':>7}" if value is None else f"{value:7.2f}"

    rule = "-" * (width + 10)
    lines = [f"{'class':<{width}}  {'IoU %':>7}", rule]
    lines += [f"{name:<{width}}  {cell(iou)}" for name, iou in report["per_class_iou"].items()]
    lines += [rule, f"{'mIoU':<{width}}  {cell(report['miou'])}"]
    lines += [f"{'pixel accuracy':<{width}}  {cell(report['pixel_accuracy'])}"]
    if inference is not None:
        lines.append(f"inference: {inference}")
    return "\n".join(lines)
