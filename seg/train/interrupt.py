"""Nothing lost on Ctrl-C or SIGTERM: the step being trained finishes, ``last.ckpt`` is written, the run stops.

Lightning 2.6 already turns SIGTERM into a stop at a step boundary (``trainer.received_sigterm``, then
``SIGTERMException`` at the end of the batch, on every DDP rank) and calls the callbacks' ``on_exception``. Ctrl-C
(SIGINT) it leaves to Python, whose ``KeyboardInterrupt`` can land anywhere, even half-way through the optimizer
updating the weights. :class:`InterruptCheckpoint` gives SIGINT the same treatment as SIGTERM: its handler only
notes the request, the current step finishes, and the stop is raised at the end of the batch, where the
checkpoint it writes is a consistent state that ``--resume auto`` continues from. A second Ctrl-C stops at once,
without a checkpoint. Lightning's ``OnExceptionCheckpoint`` is not used: it also writes on errors (a diverged
loss, a bug), and deletes its file at the end of every run, which would delete ``last.ckpt``.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.utilities import rank_zero_info
from lightning.pytorch.utilities.exceptions import SIGTERMException


class InterruptCheckpoint(pl.Callback):
    """Write ``path`` (the run's ``last.ckpt``) when a fit is stopped by Ctrl-C or SIGTERM after training a step."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._requested = False
        self._raised = False
        self._previous_handler: Any = None
        self._start_step = 0

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._start_step = trainer.global_step
        self._requested = self._raised = False
        if threading.current_thread() is threading.main_thread():  # signal handlers live in the main thread
            self._previous_handler = signal.signal(signal.SIGINT, self._on_sigint)

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        # A second Ctrl-C stops at once (Python's default), e.g. when a step hangs.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self._requested = True
        print("\nCtrl-C: finishing this step, then writing checkpoints/last.ckpt (Ctrl-C again to stop at once).")

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, *args: Any) -> None:
        requested = self._requested
        if trainer.world_size > 1:  # every rank stops at the same step, or the others wait forever
            requested = trainer.strategy.reduce_boolean_decision(requested, all=False)
        if requested and not trainer.should_stop:
            self._raised = True
            raise KeyboardInterrupt

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self._restore_handler()
        ours = self._raised and isinstance(exception, KeyboardInterrupt)
        if not (ours or isinstance(exception, SIGTERMException)) or trainer.global_step <= self._start_step:
            return
        trainer.save_checkpoint(self.path)
        rank_zero_info(
            f"Stopped at step {trainer.global_step}: wrote {self.path}; continue with the same command and --resume auto."
        )

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._restore_handler()

    def _restore_handler(self) -> None:
        if self._previous_handler is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self._previous_handler)
            self._previous_handler = None


__all__ = ["InterruptCheckpoint", "SIGTERMException"]
