"""Evaluate a checkpoint on the validation split: the function behind tools/test.py.

A plain loop rather than ``Trainer.validate``: it runs the same inference (``predict_probabilities``
with ``config.eval``) and the same metric as validation during training, and it can also write every
prediction in the official Cityscapes result format on the way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import torch
from tqdm import tqdm

from seg.config import Config, ConfigError
from seg.data import CityscapesDataModule
from seg.data.labels import NUM_CLASSES
from seg.engine.cityscapes_eval import write_cityscapes_result
from seg.engine.inference import describe_inference, predict_probabilities
from seg.engine.metrics import SegmentationMetric, SegmentationScores, scores_to_dict
from seg.engine.module import build_segmentor
from seg.models import load_weights


class Evaluation(NamedTuple):
    scores: SegmentationScores
    inference: str  # describe_inference(config.eval): reported next to every number
    num_images: int


def metrics_report(scores: SegmentationScores, inference: str, **extra: Any) -> dict[str, Any]:
    """The JSON written by tools/train.py (metrics.json) and tools/test.py --json; numbers in percent."""
    report = scores_to_dict(scores, inference=inference)
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
    checkpoint: str | Path,
    results_dir: str | Path | None = None,
    device: torch.device | None = None,
    progress: bool = True,
) -> Evaluation:
    """Score ``checkpoint`` on ``config.data.val_split`` with ``config.eval``'s inference mode.

    ``results_dir``: also write each prediction as a labelId PNG named as the official Cityscapes
    scripts and test server expect (``write_cityscapes_result``).
    """
    inference = describe_inference(config.eval)  # validates the eval section before any work
    num_classes = config.model.num_classes
    if num_classes != config.data.num_classes:
        raise ConfigError(
            f"model.num_classes={num_classes} but data.num_classes={config.data.num_classes}; they must match."
        )
    if results_dir is not None and num_classes != NUM_CLASSES:
        raise ConfigError(
            f"--cityscapes-results needs a {NUM_CLASSES}-class Cityscapes model; this one has "
            f"model.num_classes={num_classes}."
        )
    device = device or default_device()
    model = load_weights(build_segmentor(config, pretrained=False), checkpoint).to(device).eval()
    datamodule = CityscapesDataModule(config.data)
    datamodule.prepare_data()
    datamodule.setup("validate")
    loader = datamodule.val_dataloader()
    metric = SegmentationMetric(num_classes, ignore_index=config.data.ignore_index).to(device)
    num_images = 0
    for batch in tqdm(loader, desc=f"evaluate ({inference})", unit="batch", disable=not progress):
        images, labels = batch["image"].to(device), batch["label"].to(device)
        preds = predict_probabilities(model, images, config.eval, num_classes).argmax(dim=1)
        metric.update(preds, labels)
        num_images += images.shape[0]
        if results_dir is not None:
            for pred, path in zip(preds.cpu().numpy(), batch["path"], strict=True):
                write_cityscapes_result(pred, path, results_dir)
    return Evaluation(metric.compute(), inference, num_images)
