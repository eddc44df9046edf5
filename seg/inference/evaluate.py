"""Evaluate a model on the validation split: the function behind tools/test.py.

A plain loop rather than ``Trainer.validate``: the images go through the same ``Predictor`` as every
other tool (the one normaliser, ``config.eval``'s inference mode) into the same metric as validation
during training, and each prediction can be written in the official Cityscapes result format on the
way. The predictor may run a checkpoint on PyTorch or an exported file on another runtime
(``seg.runtimes.factory.load_predictor``), so an export is scored exactly like its checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import torch
from tqdm import tqdm

from seg.classes import CITYSCAPES, check_num_classes
from seg.config import Config, ConfigError
from seg.data.prepare import prepare_data, val_loader
from seg.inference.cityscapes_eval import write_cityscapes_result
from seg.inference.metrics import SegmentationMetric, SegmentationScores, scores_to_dict
from seg.inference.modes import describe_inference
from seg.inference.predictor import Predictor


class Evaluation(NamedTuple):
    scores: SegmentationScores
    inference: str  # describe_inference(config.eval): reported next to every number
    num_images: int
    class_names: tuple[str, ...]  # the dataset's, in train-id order


def metrics_report(
    scores: SegmentationScores, class_names: Sequence[str], inference: str, **extra: Any
) -> dict[str, Any]:
    """The JSON written by tools/train.py (metrics.json) and tools/test.py --json; numbers in percent, classes by
    the dataset's names."""
    report = scores_to_dict(scores, class_names, inference=inference)
    return {
        "mIoU": report["miou"],
        "pixel_accuracy": report["pixel_accuracy"],
        "per_class_iou": report["per_class_iou"],
        "inference": inference,
        "num_pixels": report["num_pixels"],
        **extra,
    }


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def evaluate(
    config: Config,
    predictor: Predictor,
    results_dir: str | Path | None = None,
    progress: bool = True,
) -> Evaluation:
    """Score ``predictor`` (with its own inference modes) on ``config.data.val_split``.

    ``results_dir``: also write each prediction as a labelId PNG named as the official Cityscapes scripts and
    test server expect (``write_cityscapes_result``).
    """
    inference = describe_inference(predictor.eval)
    class_names = check_num_classes(config)
    if predictor.num_classes != config.model.num_classes:
        raise ConfigError(
            f"The model predicts {predictor.num_classes} classes but the config has "
            f"model.num_classes={config.model.num_classes}; use the config the model was trained with."
        )
    if results_dir is not None and class_names != CITYSCAPES.names:
        raise ConfigError(
            f"--cityscapes-results writes Cityscapes labelIds and needs a model of the 19 Cityscapes classes; "
            f"data.dataset={config.data.dataset!r} has {len(class_names)} other classes."
        )
    prepare_data(config.data)
    metric = SegmentationMetric(predictor.num_classes, ignore_index=config.data.ignore_index).to(predictor.device)
    num_images = 0
    for batch in tqdm(val_loader(config.data), desc=f"evaluate ({inference})", unit="batch", disable=not progress):
        labels = batch["label"].to(predictor.device)
        preds = predictor.labels(batch["image"])
        metric.update(preds, labels)
        num_images += labels.shape[0]
        if results_dir is not None:
            for pred, path in zip(preds.cpu().numpy(), batch["path"], strict=True):
                write_cityscapes_result(pred, path, results_dir)
    return Evaluation(metric.compute(), inference, num_images, class_names)
