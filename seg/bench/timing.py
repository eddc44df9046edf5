"""Timing primitives for every benchmark: the one interleaved timing loop, warm-up with peak memory, summaries,
and the machine description printed beside every figure.

Candidates are timed in turn, call by call (``time_interleaved``), never one after the other: a machine shared
with other jobs then slows all of them alike, and their ratio stays meaningful.
"""

from __future__ import annotations

import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torchvision

from seg.inference.predictor import Predictor


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p90_ms: float
    mean_ms: float
    min_ms: float
    iters: int
    peak_memory_mb: float


def cpu_name() -> str:
    """The CPU model as ``lscpu`` prints it ("Model name"), from /proc/cpuinfo; else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine_info(threads: int | None, device: str = "cpu") -> dict[str, object]:
    """CPU model, cores, GPU, library versions and thread count: printed with every report."""
    cpu = cpu_name()
    gpu = torch.cuda.get_device_name(0) if device.startswith("cuda") and torch.cuda.is_available() else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "gpu": gpu or "none (CPU run)",
        "threads": threads if threads is not None else torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnxruntime": ort.__version__,
        "onnx": onnx.__version__,
        "numpy": np.__version__,
    }


class RssSampler:
    """Peak resident memory of this process above a baseline, sampled every millisecond (Linux /proc)."""

    def __init__(self) -> None:
        self.baseline = self.peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.001):
            self.peak = max(self.peak, _rss_bytes())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def delta_mb(self) -> float:
        return (self.peak - self.baseline) / 2**20


def _rss_bytes() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):  # not Linux: fall back to the process's lifetime peak
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# Untimed pause after every CPU call. After a call returns, ONNX Runtime's intra-op workers and PyTorch's
# OpenMP threads keep spinning for a while before they sleep; with calls back to back, the next runner
# shares the cores with them. Measured on a 2-core x86 machine, 2 threads, LR-ASPP Large at 512x1024: ONNX
# Runtime fp32 and INT8 sessions alternating took 146 / 142 ms per call back to back and 104 / 99 ms with a
# 50 ms pause, as each alone (102 / 86 ms, same process, same minute).
PAUSE_S = 0.05


def time_interleaved(
    calls: dict[str, Callable[[], object]],
    iters: int,
    device: str = "cpu",
    on_step: Callable[[], None] | None = None,
    pause_s: float = PAUSE_S,
) -> dict[str, list[float]]:
    """Seconds per call for each named callable, calling them in turn ``iters`` times.

    On the CPU each call is followed by an untimed ``pause_s`` (see ``PAUSE_S``)."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    cuda = device.startswith("cuda")
    for _ in range(iters):
        for name, call in calls.items():
            if cuda:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                torch.cuda.synchronize()
                start.record()
                call()
                end.record()
                torch.cuda.synchronize()
                times[name].append(start.elapsed_time(end) / 1e3)
            else:
                begin = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - begin)
                time.sleep(pause_s)
            if on_step is not None:
                on_step()
    return times


def summarise(seconds: list[float], peak_memory_mb: float) -> Timing:
    ms = np.asarray(seconds) * 1e3
    return Timing(
        median_ms=float(np.median(ms)),
        p90_ms=float(np.percentile(ms, 90)),
        mean_ms=float(ms.mean()),
        min_ms=float(ms.min()),
        iters=len(ms),
        peak_memory_mb=float(peak_memory_mb),
    )


def warm_up(build: Callable[[], Predictor], batch: torch.Tensor, warmup: int, device: str) -> tuple[Predictor, float]:
    """Build a predictor and run ``warmup`` calls; returns it with the peak memory (MB) this took."""
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        predictor = build()
        for _ in range(max(1, warmup)):
            predictor.infer(batch)
        return predictor, torch.cuda.max_memory_allocated() / 2**20
    with RssSampler() as sampler:
        predictor = build()
        for _ in range(max(1, warmup)):
            predictor.infer(batch)
    return predictor, sampler.delta_mb
