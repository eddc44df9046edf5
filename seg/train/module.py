"""The LightningModule: one training step, one validation step, the optimizer and its schedule.

Data comes from ``seg.train.datamodule.SegmentationDataModule`` (batches ``{"image", "label", "path"}``); the
network is ``self.model``, a ``Segmentor``, so a checkpoint's ``state_dict`` keys start with
``model.`` and ``hyper_parameters["config"]`` holds the whole config (``seg.models.load_weights`` and
``read_checkpoint_config`` rely on both).
"""

from __future__ import annotations

import math
from typing import Any

import lightning.pytorch as pl
import torch
from torch import Tensor

from seg.classes import dataset_classes
from seg.config import Config, ConfigError, config_from_dict, config_to_dict
from seg.data.normalize import Normalizer
from seg.errors import DatasetError
from seg.inference.metrics import SegmentationMetric, SegmentationScores
from seg.inference.predictor import Predictor
from seg.models import Segmentor, build_model
from seg.train.losses import NonFiniteLossError, SegmentationLoss
from seg.train.optim import build_optimizer, param_groups, poly_scheduler


def build_segmentor(config: Config) -> Segmentor:
    """``seg.build_model`` with its errors (unknown backbone or head, bad output stride) as ConfigError."""
    try:
        return build_model(config.model)
    except (KeyError, ValueError) as error:
        message = error.args[0] if error.args else str(error)
        raise ConfigError(f"model section of config {config.name!r}: {message}") from None


def build_loss(config: Config) -> SegmentationLoss:
    """The training loss that ``config.loss`` describes."""
    loss = config.loss
    return SegmentationLoss(
        config.model.num_classes,
        ignore_index=config.data.ignore_index,
        class_weights=loss.class_weights,
        ohem=loss.ohem,
        ohem_threshold=loss.ohem_threshold,
        ohem_min_kept=loss.ohem_min_kept,
    )


def _class_names(config: Config) -> tuple[str, ...]:
    """The dataset's class names for per-class logs; generic ones where the config's dataset does not tell
    (a folder config whose classes.txt is not at hand, a class count the dataset does not have)."""
    try:
        names = dataset_classes(config.data).names
    except DatasetError:
        names = ()
    if len(names) != config.model.num_classes:
        return tuple(f"class_{i}" for i in range(config.model.num_classes))
    return names


class SegmentationModule(pl.LightningModule):
    """Trains ``self.model`` with cross-entropy (optionally weighted / OHEM), SGD or AdamW and a poly schedule."""

    def __init__(self, config: Config | dict[str, Any]) -> None:
        super().__init__()
        # A dict when Lightning rebuilds the module from a checkpoint's hyper_parameters.
        self.config = config if isinstance(config, Config) else config_from_dict(config)
        self.save_hyperparameters({"config": config_to_dict(self.config)})
        self.num_classes = self.config.model.num_classes
        self.model = build_segmentor(self.config)
        if self.config.trainer.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.normalize = Normalizer(self.config.data.mean, self.config.data.std)
        self.criterion = build_loss(self.config)
        self.val_metric = SegmentationMetric(self.num_classes, ignore_index=self.config.data.ignore_index)
        self.class_names = _class_names(self.config)
        # The last finished validation (already reduced over processes) and the step it ran at.
        self.last_val_scores: SegmentationScores | None = None
        self.last_val_step: int | None = None

    def load_backbone_weights(self) -> None:
        """Initialise the encoder from ``model.backbone_weights`` (an ImageNet state dict), if set.

        Called by ``seg.train.fit`` when a run starts from step 0 and never on resume: from then on the
        checkpoints hold every weight, so the ImageNet file is needed only once.
        """
        if self.config.model.backbone_weights:
            self.model.backbone.load_imagenet(self.config.model.backbone_weights)

    def forward(self, images: Tensor) -> Tensor:
        return self.model(self._memory_format(images))

    def _memory_format(self, images: Tensor) -> Tensor:
        if self.config.trainer.channels_last:
            return images.contiguous(memory_format=torch.channels_last)
        return images

    def compute_loss(self, images: Tensor, labels: Tensor) -> Tensor:
        return self.criterion(self(images), labels)

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> Tensor:
        loss = self.compute_loss(self.normalize(batch["image"]), batch["label"])
        self._stop_if_not_finite(loss)
        # Rank 0's own loss: syncing it every step would add an all-reduce for a progress-bar number.
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=False, batch_size=batch["image"].shape[0])
        return loss

    def _stop_if_not_finite(self, loss: Tensor) -> None:
        """Raise before backward, so no NaN reaches the weights or a checkpoint (best.ckpt stays as it was).

        The flag is summed over processes so every DDP rank stops at the same step instead of hanging.
        """
        bad = torch.logical_not(torch.isfinite(loss.detach())).float()
        bad = self.trainer.strategy.reduce(bad, reduce_op="sum") if self._trainer is not None else bad
        if float(bad) == 0:
            return
        optim, trainer = self.config.optim, self.config.trainer
        hints = [f"lower optim.lr (now {optim.lr:g}), e.g. --set optim.lr={optim.lr / 10:g}"]
        if optim.warmup_steps == 0:
            hints.append("add a warmup, e.g. --set optim.warmup_steps=1000")
        if trainer.precision != "32-true":
            hints.append(
                f"train in full precision (trainer.precision={trainer.precision!r} -> --set trainer.precision=32-true)"
            )
        hints.append("check that labels are train ids 0..num_classes-1 or data.ignore_index")
        raise NonFiniteLossError(
            f"Training stopped: the loss is {float(loss.detach()):.4g} at step {self.global_step} of "
            f"{trainer.max_steps}. "
            "No weights were updated with it and checkpoints/best.ckpt was left as it was; checkpoints/last.ckpt "
            f"is the last validated state (resume it with --resume auto). To try: {'; '.join(hints)}."
        )

    def on_validation_epoch_start(self) -> None:
        # The Predictor of tools/test.py on the live network (config.eval's mode, the same normaliser), so
        # val/mIoU is the number tools/test.py prints for the checkpoint saved at this step. Built once per pass.
        self._predictor = Predictor.for_model(self.model, self.config, self.config.trainer.channels_last, self.device)

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self.val_metric.update(self._predictor.labels(batch["image"]), batch["label"])

    def on_validation_epoch_end(self) -> None:
        scores = self.val_metric.compute()  # already summed over all processes
        self.val_metric.reset()
        if self.trainer.sanity_checking:
            return
        self.last_val_scores, self.last_val_step = scores, self.global_step
        # Percent, like every mIoU the toolkit prints. The metric is already reduced, so every rank holds the
        # same value and sync_dist=True (a mean of equal numbers) only keeps Lightning's DDP bookkeeping quiet.
        miou = float(scores.miou) * 100
        self.log("val/mIoU", miou if math.isfinite(miou) else 0.0, prog_bar=True, sync_dist=True)
        self.log("val/pixel_accuracy", float(scores.pixel_accuracy) * 100, sync_dist=True)
        for name, iou in zip(self.class_names, scores.per_class_iou.tolist(), strict=True):
            if math.isfinite(iou):
                self.log(f"val_iou/{name}", iou * 100, sync_dist=True)

    def on_train_start(self) -> None:
        # On resume Lightning restores the optimizer's lr as saved; recompute it from the restored step and
        # the current schedule, so a run resumed with another trainer.max_steps uses the right lr at once.
        for scheduler_config in self.trainer.lr_scheduler_configs:
            scheduler = scheduler_config.scheduler
            rules = zip(scheduler.optimizer.param_groups, scheduler.base_lrs, scheduler.lr_lambdas, strict=True)
            for group, base_lr, rule in rules:
                group["lr"] = base_lr * rule(scheduler.last_epoch)

    def configure_optimizers(self) -> dict[str, Any]:
        optim = self.config.optim
        optimizer = build_optimizer(param_groups(self.model, optim.weight_decay), optim)
        scheduler = poly_scheduler(optimizer, optim, self.config.trainer.max_steps)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step", "frequency": 1}}
