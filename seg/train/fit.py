"""Training runs: the work dir, the Lightning Trainer with its callbacks and loggers, and the final report.

``train(config, work_dir, resume)`` is what tools/train.py calls. A work dir holds::

    config.py                  the resolved config (a loadable config file: tools/test.py accepts it)
    checkpoints/last.ckpt      written at every validation, every trainer.checkpoint_every_minutes and on
                               Ctrl-C / SIGTERM (resume from it)
    checkpoints/best.ckpt      the best val/mIoU so far
    logs/tensorboard/version_N TensorBoard events, one version per launch
    logs/csv/version_N         the same scalars as metrics.csv
    metrics.json               the final validation result (written by rank 0 only)
"""

from __future__ import annotations

import json
import logging
import pprint
import shutil
import time
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint, TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from lightning.pytorch.utilities import rank_zero_info, rank_zero_only

from seg.classes import check_num_classes, resolve_classes
from seg.config import Config, ConfigError, config_to_dict, effective_warmup_steps, val_interval, validate_config
from seg.errors import DatasetError, Failure
from seg.inference.evaluate import metrics_report
from seg.inference.metrics import format_scores_table
from seg.inference.modes import describe_inference
from seg.models import CheckpointError, read_checkpoint_config
from seg.models.checkpoint import model_differences
from seg.outputs import OutputError, check_output_dir
from seg.train.checkpointing import (
    BEST,
    LAST,
    AtomicCheckpointIO,
    checkpoint_step,
    remove_stale_temp_files,
    resolve_resume,
)
from seg.train.datamodule import SegmentationDataModule
from seg.train.interrupt import InterruptCheckpoint, SIGTERMException
from seg.train.module import SegmentationModule
from seg.train.precise_bn import PreciseBatchNorm
from seg.train.threads import training_threads

MONITOR = "val/mIoU"


class _NoAdvertisements(logging.Filter):
    """Drops Lightning's "💡 Tip: ... try installing litlogger / litmodels" lines (2.6 prints them at every start):
    product advertisements, not information about the run."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("💡 Tip")


for _name in ("lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero"):
    logging.getLogger(_name).addFilter(_NoAdvertisements())


def default_work_dir(config: Config) -> Path:
    return Path("work_dirs") / config.name


def validate_training_config(config: Config) -> Config:
    """Fail before any work, with one message naming the key: the config's own rules (checked when it was
    loaded, again here for a config built in code) and the dataset's classes. Returns the config with the
    dataset's classes resolved (seg.classes.resolve_classes), as the run records it."""
    config = resolve_classes(config)
    validate_config(config)
    check_num_classes(config)
    return config


def build_trainer(config: Config, work_dir: Path, progress: bool = True) -> pl.Trainer:
    """A Trainer for iteration-based training with validation every ``val_interval(trainer)`` steps."""
    t = config.trainer
    checkpoints = work_dir / "checkpoints"
    # Two callbacks, because Lightning 2.6's save_last only rewrites last.ckpt at a validation that also
    # saved a top-k checkpoint, i.e. only when val/mIoU improved; resuming needs the latest state always.
    best = ModelCheckpoint(
        dirpath=checkpoints, filename=Path(BEST).stem, monitor=MONITOR, mode="max", save_top_k=1,
        auto_insert_metric_name=False, enable_version_counter=False, save_on_train_epoch_end=False,
    )  # fmt: skip
    last = ModelCheckpoint(
        dirpath=checkpoints, filename=Path(LAST).stem, monitor=None, save_top_k=1,
        auto_insert_metric_name=False, enable_version_counter=False, save_on_train_epoch_end=False,
    )  # fmt: skip
    # A third writer of last.ckpt, on the clock: what a crash (SIGKILL, power) can lose is bounded by time too.
    timed = []
    if t.checkpoint_every_minutes > 0:
        interval = timedelta(minutes=t.checkpoint_every_minutes)
        timed.append(
            ModelCheckpoint(
                dirpath=checkpoints,
                filename=Path(LAST).stem,
                monitor=None,
                save_top_k=1,
                auto_insert_metric_name=False,
                enable_version_counter=False,
                train_time_interval=interval,
            )  # fmt: skip
        )
    multi_process = t.devices * t.num_nodes > 1
    on_gpu = t.accelerator in ("gpu", "cuda") or (t.accelerator == "auto" and torch.cuda.is_available())
    return pl.Trainer(
        accelerator=t.accelerator,
        devices=t.devices,
        num_nodes=t.num_nodes,
        # Lightning picks the gloo backend on CPU and NCCL on GPU; under torchrun or SLURM it reads the
        # ranks from the environment instead of launching processes itself.
        strategy="ddp" if multi_process else "auto",
        # BatchNorm statistics over the global batch, as with one device. torch's SyncBatchNorm runs on CUDA
        # only; in CPU DDP each process normalises with the statistics of its own share of the batch.
        sync_batchnorm=multi_process and on_gpu,
        precision=t.precision,
        max_steps=t.max_steps,
        max_epochs=-1,
        val_check_interval=val_interval(t),
        check_val_every_n_epoch=None,  # count steps across epochs, not batches within one
        log_every_n_steps=t.log_every_n_steps,
        # An explicit tqdm bar: Lightning's default, RichProgressBar when `rich` is installed, titles the bar
        # "Epoch 0/-2" under max_epochs=-1 (iteration-based training has no epoch count).
        # PreciseBatchNorm first: the statistics are re-estimated before validation and the checkpoints after it.
        callbacks=[PreciseBatchNorm(t.precise_bn_batches), best, last, *timed, InterruptCheckpoint(checkpoints / LAST)]
        + [LearningRateMonitor(logging_interval="step")]
        + ([TQDMProgressBar()] if progress else []),
        logger=[
            TensorBoardLogger(save_dir=work_dir / "logs", name="tensorboard"),
            CSVLogger(save_dir=work_dir / "logs", name="csv"),
        ],
        plugins=[AtomicCheckpointIO()],
        default_root_dir=work_dir,
        enable_progress_bar=progress,
        benchmark=True,  # fixed crop sizes: let cuDNN pick the fastest kernels
    )


@rank_zero_only
def write_resolved_config(config: Config, path: Path) -> None:
    """The config as a loadable config file (``config = config_from_dict({...})``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = pprint.pformat(config_to_dict(config), indent=1, width=110, sort_dicts=False)
    path.write_text(
        f'"""Resolved config of run {config.name!r}, written by tools/train.py. Load it like any config file."""\n\n'
        f"from seg.config import config_from_dict\n\nconfig = config_from_dict(\n{body}\n)\n"
    )


def _check_resume_config(config: Config, checkpoint: Path) -> None:
    stored = read_checkpoint_config(checkpoint)
    if stored is None:
        return
    # The ImageNet file only initialised the run; the checkpoint's weights replace it.
    differences = [d for d in model_differences(stored.model, config.model) if d.effect != "none"]
    if differences:
        raise ConfigError(
            f"--resume {checkpoint}: the checkpoint was trained as another model than the config describes: "
            f"{'; '.join(map(str, differences))}. Resume with the config it was trained with, or start a new run "
            "in another --work-dir."
        )


def check_work_dir(config: Config, work_dir: Path, resume: str | None, overwrite: bool = False) -> None:
    """Before any work: the work dir (and a toy set still to be generated) can be written, and a fresh run does
    not replace an earlier run's checkpoints unless ``overwrite``."""
    check_output_dir(work_dir, "--work-dir")
    if config.data.dataset == "toy" and not (Path(config.data.root) / "leftImg8bit").is_dir():
        check_output_dir(config.data.root, "data.root (where the toy set is generated)")
    checkpoints = work_dir / "checkpoints"
    earlier = [checkpoints / name for name in (LAST, BEST) if (checkpoints / name).is_file()]
    if resume is None and earlier and not overwrite:
        try:
            at = f" (last.ckpt at step {checkpoint_step(earlier[0])})" if earlier[0].name == LAST else ""
        except CheckpointError:
            at = " (an unreadable last.ckpt)"
        raise OutputError(
            f"Pass --resume auto to continue the earlier run in {work_dir}{at}, --overwrite to start over and replace "
            f"its checkpoints, or another --work-dir: a fresh run would overwrite {', '.join(p.name for p in earlier)}."
        )


def train(
    config: Config,
    work_dir: str | Path | None = None,
    resume: str | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Train ``config``, validate every ``trainer.val_every_n_steps`` steps, return the final metrics.

    ``resume``: None (fresh run), ``"auto"`` (``work_dir/checkpoints/last.ckpt`` if present) or a path.
    Resuming restores weights, optimizer, schedule position, step counter and the checkpoint callbacks'
    best score. A fresh run refuses to replace an earlier run's checkpoints unless ``overwrite``. Raises
    ``NonFiniteLossError`` if the loss diverges.
    """
    config = validate_training_config(config)
    work_dir = Path(work_dir) if work_dir is not None else default_work_dir(config)
    if rank_zero_only.rank == 0:
        check_work_dir(config, work_dir, resume, overwrite)
    created_work_dir = not work_dir.exists()
    ckpt_path = resolve_resume(resume, work_dir)
    start_step = 0
    if ckpt_path is not None:
        _check_resume_config(config, ckpt_path)
        start_step = checkpoint_step(ckpt_path)
        rank_zero_info(f"Resuming from {ckpt_path} at step {start_step}.")
        # The data loader is not resumable mid-epoch: Lightning starts a fresh pass over the shuffled set,
        # which is what we want, so its warning about it is expected.
        warnings.filterwarnings("ignore", message=".*resuming from a checkpoint that ended before the epoch ended.*")
    elif resume == "auto":
        rank_zero_info(f"--resume auto: no {work_dir / 'checkpoints' / LAST} yet; starting from step 0.")
    elif (work_dir / "checkpoints" / LAST).is_file():
        rank_zero_info(
            f"--overwrite: starting from step 0; the checkpoints in {work_dir / 'checkpoints'} are replaced."
        )
    # seed + start step: a resumed run draws a new shuffling order and new worker seeds rather than
    # replaying the ones the interrupted run already used from step 0.
    pl.seed_everything(config.trainer.seed + start_step, workers=True, verbose=False)
    if torch.cuda.is_available():
        torch.set_float32_matmul_precision("high")  # TF32 matmuls on Ampere and newer
    threads, source = training_threads(config.trainer.threads, processes=config.trainer.devices)
    torch.set_num_threads(threads)
    t = config.trainer
    rank_zero_info(
        f"{t.max_steps} steps, validation every {val_interval(t)}, warmup "
        f"{effective_warmup_steps(config.optim, t.max_steps)} steps; {threads} threads ({source})."
    )
    if rank_zero_only.rank == 0:
        remove_stale_temp_files(work_dir / "checkpoints")
    write_resolved_config(config, work_dir / "config.py")

    module = SegmentationModule(config)
    if ckpt_path is None:
        module.load_backbone_weights()  # a resumed run takes every weight from its checkpoint
    datamodule = SegmentationDataModule(config.data)
    trainer = build_trainer(config, work_dir, progress)
    started = time.monotonic()
    try:
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
    except DatasetError:
        if created_work_dir and trainer.global_step == 0 and rank_zero_only.rank == 0:
            remove_unused_work_dir(work_dir)
        raise
    except SIGTERMException:
        raise Failure(
            f"Stopped by SIGTERM at step {trainer.global_step}; {work_dir / 'checkpoints' / LAST} holds it: continue "
            "with the same command and --resume auto."
        ) from None
    fit_seconds = time.monotonic() - started
    if module.last_val_scores is None or module.last_val_step != trainer.global_step:
        # Resumed from a finished run: nothing was trained, so validate the restored weights.
        trainer.validate(module, datamodule=datamodule, verbose=False)
    assert module.last_val_scores is not None
    best_score = next(cb.best_model_score for cb in trainer.checkpoint_callbacks if cb.monitor == MONITOR)
    metrics = metrics_report(
        module.last_val_scores,
        module.class_names,
        describe_inference(config.eval),
        step=trainer.global_step,
        split=config.data.val_split,
        config=config.name,
        best_mIoU=None if best_score is None else round(float(best_score), 4),
        best_checkpoint=str(work_dir / "checkpoints" / BEST),
        last_checkpoint=str(work_dir / "checkpoints" / LAST),
        resumed_from_step=start_step,
        fit_seconds=round(fit_seconds, 1),
    )
    if trainer.is_global_zero:
        (work_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        print(format_scores_table(module.last_val_scores, module.class_names, inference=metrics["inference"]))
        miou = _percent(metrics["mIoU"])
        print(f"step {metrics['step']}: val mIoU {miou} ({metrics['inference']}); work dir {work_dir}")
    return metrics


def remove_unused_work_dir(work_dir: Path) -> None:
    """Remove a work dir this run created when the run was refused before training (e.g. by the dataset check),
    so the next attempt needs no --overwrite: only if it holds nothing but the run's config.py and logs."""
    entries = {p.name for p in work_dir.iterdir()} if work_dir.is_dir() else set()
    checkpoints = work_dir / "checkpoints"
    if entries <= {"config.py", "logs", "checkpoints"} and not (checkpoints.is_dir() and any(checkpoints.iterdir())):
        shutil.rmtree(work_dir)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}%"


__all__ = ["build_trainer", "default_work_dir", "train", "validate_training_config"]
