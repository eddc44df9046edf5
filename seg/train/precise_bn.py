"""Precise BatchNorm: running statistics re-estimated on training batches before they are used or stored.

BatchNorm's running statistics are a momentum blend of past batches. With torchvision's momentum 0.01 (the
authors' decay 0.997 is slower still) a run of a few hundred steps still carries a fifth of the initial
statistics, and any run's statistics lag the weights they were computed under: a validation, or a checkpoint,
then measures another network than the one trained. Detectron2 (``fvcore.nn.precise_bn.update_bn_stats``) and
mmcv (``PreciseBNHook``) re-estimate them before evaluation as a true average over a fixed number of training
batches; :class:`PreciseBatchNorm` does that before every validation, so every stored checkpoint (written after
the validation of its step) holds statistics estimated under its own weights.

Written by hand rather than with ``torch.optim.swa_utils.update_bn`` (the same cumulative average) because that
one averages per process, so under DDP without SyncBatchNorm (CPU runs) every rank would keep statistics of its
own share of the batches; here each batch's statistics are pooled over the processes first. It also puts the
whole model in train mode, where only the BatchNorm layers should be.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterable
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils.data import DataLoader

# Sums a tensor over the processes (all_reduce SUM); the identity in a single process.
ReduceSum = Callable[[Tensor], Tensor]


def batchnorm_layers(model: nn.Module) -> list[_BatchNorm]:
    """Every BatchNorm layer that keeps running statistics (SyncBatchNorm included)."""
    return [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]


def pooled_statistics(mean: Tensor, var: Tensor, count: int, reduce_sum: ReduceSum) -> tuple[Tensor, Tensor]:
    """One batch's per-channel (mean, unbiased var) over all processes, from each process's own share.

    ``mean`` and ``var`` (unbiased, as BatchNorm stores it) are one process's statistics over ``count`` values per
    channel. Sums of n, n*mean and n*E[x^2] add over processes; the pooled variance is E[x^2] - mean^2 over all of
    them, made unbiased again, so it includes the spread between the processes' means.
    """
    return _from_sums(reduce_sum(_sums(mean, var, count)))


def _sums(mean: Tensor, var: Tensor, count: int) -> Tensor:
    """[n, n*mean..., n*E[x^2]...]: what adds up over processes."""
    second_moment = var * (count - 1) / count + mean.square() if count > 1 else mean.square()
    n = torch.full_like(mean[:1], float(count))
    return torch.cat([n, count * mean, count * second_moment])


def _from_sums(sums: Tensor) -> tuple[Tensor, Tensor]:
    channels = (sums.numel() - 1) // 2
    total = sums[0]
    mean = sums[1 : 1 + channels] / total
    biased = (sums[1 + channels :] / total - mean.square()).clamp_min(0)
    return mean, biased * total / (total - 1).clamp_min(1)


@torch.no_grad()
def estimate_batchnorm_statistics(
    model: nn.Module,
    forward: Callable[[Any], Any],
    batches: Iterable[Any],
    reduce_sum: ReduceSum | None = None,
) -> int:
    """Replace the running statistics of ``model``'s BatchNorm layers by their average over ``batches``.

    ``forward(batch)`` runs ``model`` on one batch. Only the BatchNorm layers are put in train mode; each layer's
    statistics of each batch are pooled over processes (``reduce_sum``), then averaged over the batches with
    equal weight (a cumulative mean, momentum=None). Momentum, modes and ``num_batches_tracked`` are restored.
    Returns the number of batches used (0 leaves the statistics as they were).
    """
    layers = batchnorm_layers(model)
    if not layers:
        return 0
    saved = [(m.momentum, m.training, m.num_batches_tracked.clone()) for m in layers]
    means = [torch.zeros_like(m.running_mean) for m in layers]
    variances = [torch.zeros_like(m.running_var) for m in layers]
    counts = [0] * len(layers)
    hooks = [m.register_forward_pre_hook(_count_into(counts, i)) for i, m in enumerate(layers)]
    used = 0
    try:
        for m in layers:
            m.momentum = 1.0  # the running statistics become the batch's own: read them after each forward
            m.train()
        for batch in batches:
            forward(batch)
            used += 1
            batch_means = [m.running_mean.clone() for m in layers]
            batch_vars = [m.running_var.clone() for m in layers]
            if reduce_sum is not None:
                batch_means, batch_vars = _pool_all(batch_means, batch_vars, counts, reduce_sum)
            for i in range(len(layers)):
                means[i] += (batch_means[i] - means[i]) / used
                variances[i] += (batch_vars[i] - variances[i]) / used
    finally:
        for hook in hooks:
            hook.remove()
        for m, (momentum, training, tracked) in zip(layers, saved, strict=True):
            m.momentum = momentum
            m.train(training)
            m.num_batches_tracked.copy_(tracked)
    if used == 0:
        return 0
    for m, mean, var in zip(layers, means, variances, strict=True):
        m.running_mean.copy_(mean)
        m.running_var.copy_(var)
    return used


def _count_into(counts: list[int], index: int) -> Callable[[nn.Module, tuple[Tensor, ...]], None]:
    def hook(module: nn.Module, inputs: tuple[Tensor, ...]) -> None:
        x = inputs[0]
        counts[index] = x.numel() // x.shape[1]  # values per channel in this process's batch

    return hook


def _pool_all(
    means: list[Tensor], variances: list[Tensor], counts: list[int], reduce_sum: ReduceSum
) -> tuple[list[Tensor], list[Tensor]]:
    """``pooled_statistics`` for every layer with one collective call per batch (one flat tensor)."""
    sums = [_sums(m, v, c) for m, v, c in zip(means, variances, counts, strict=True)]
    reduced = reduce_sum(torch.cat(sums)).split([s.numel() for s in sums])
    pooled = [_from_sums(r) for r in reduced]
    return [p[0] for p in pooled], [p[1] for p in pooled]


class PreciseBatchNorm(pl.Callback):
    """Before every validation of a fit, re-estimate BatchNorm statistics on ``num_batches`` training batches.

    The batches come from a second loader over the training set (same transform, batch size, sampler and
    workers), so they are augmented as training sees them; the random states of Python, NumPy and torch are
    restored afterwards, so the training run draws exactly what it would without this pass.
    """

    def __init__(self, num_batches: int) -> None:
        self.num_batches = num_batches

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.num_batches < 1 or trainer.sanity_checking or trainer.state.fn != "fit":
            return
        loader = trainer.train_dataloader
        if not isinstance(loader, DataLoader):
            return
        device = pl_module.device
        normalize = pl_module.normalize  # type: ignore[attr-defined]

        def forward(batch: dict[str, Any]) -> None:
            with trainer.precision_plugin.forward_context():
                pl_module(normalize(batch["image"].to(device, non_blocking=True)))

        reduce_sum = _process_sum(trainer) if trainer.world_size > 1 else None
        with _random_state_kept():
            batches = _first(_second_loader(loader), self.num_batches)
            estimate_batchnorm_statistics(pl_module, forward, batches, reduce_sum)


def _process_sum(trainer: pl.Trainer) -> ReduceSum:
    return lambda tensor: trainer.strategy.reduce(tensor, reduce_op="sum")


def _second_loader(loader: DataLoader) -> DataLoader:
    """A loader like ``loader`` with its own workers: the training loader's persistent workers are mid-epoch.
    In-process loading (no workers) gets a copy of the dataset, so the transform's generator is not advanced."""
    dataset = loader.dataset if loader.num_workers > 0 else copy.deepcopy(loader.dataset)
    return DataLoader(
        dataset,
        batch_size=loader.batch_size,
        sampler=loader.sampler,
        drop_last=True,
        num_workers=loader.num_workers,
        pin_memory=loader.pin_memory,
        worker_init_fn=loader.worker_init_fn,
    )


def _first(loader: DataLoader, n: int) -> Iterable[Any]:
    """``n`` batches, starting the loader again when it has fewer (a few images, many batches asked)."""
    given = 0
    while given < n:
        before = given
        for batch in loader:
            yield batch
            given += 1
            if given == n:
                return
        if given == before:
            return  # an empty loader


class _random_state_kept:
    """Restore Python's, NumPy's and torch's (CPU and CUDA) random states on exit."""

    def __enter__(self) -> None:
        self._python = random.getstate()
        self._numpy = np.random.get_state()
        self._torch = torch.random.fork_rng(devices=list(range(torch.cuda.device_count())))
        self._torch.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._torch.__exit__(None, None, None)
        random.setstate(self._python)
        np.random.set_state(self._numpy)


__all__ = ["PreciseBatchNorm", "batchnorm_layers", "estimate_batchnorm_statistics", "pooled_statistics"]
