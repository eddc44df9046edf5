"""Samples per second of one loader worker: the albumentations reference against the crop-first transform.

Three pipelines read the same samples in the same order, interleaved sample by sample (so a machine shared
with other jobs slows all of them alike):

- ``albumentations``: decode, then the albumentations steps over the whole image (``reference_train_transform``),
  the reference that seg.data.transforms.TrainTransform equals bit for bit;
- ``crop-first``: decode, then ``TrainTransform`` (resizes only up to the crop window);
- ``crop-first + cache``: ``TrainTransform`` on memory-mapped decoded copies (``data.cache_dir``), warmed first.

One process, one OpenCV and one PyTorch thread: what one DataLoader worker does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import torch

from seg.bench.timing import cpu_name, time_interleaved
from seg.config import DataConfig
from seg.data.dataset import SegmentationDataset
from seg.data.datasets import scan_split
from seg.data.transforms import TrainTransform, reference_train_transform

__all__ = ["PipelineSpeed", "cpu_name", "measure_pipelines"]  # cpu_name: printed by tools/benchmark_loader.py


@dataclass(frozen=True)
class PipelineSpeed:
    name: str
    samples: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.samples / self.seconds

    @property
    def ms_per_sample(self) -> float:
        return 1000 * self.seconds / self.samples


def measure_pipelines(
    data: DataConfig, split: str, samples: int, cache_dir: str | Path, seed: int = 0
) -> list[PipelineSpeed]:
    """Time ``samples`` items of ``split`` through the three pipelines, interleaved; returns them in that order."""
    scan = scan_split(data, split)
    fast = TrainTransform(data)
    fast.set_random_seed(seed)
    reference = reference_train_transform(data, record_params=False)
    reference.set_random_seed(seed)
    pipelines: list[tuple[str, SegmentationDataset]] = [
        ("albumentations (before)", SegmentationDataset(scan, reference)),
        ("crop-first", SegmentationDataset(scan, fast)),
        ("crop-first + decoded cache", SegmentationDataset(scan, fast, cache_dir)),
    ]
    indices = [i % len(scan.samples) for i in range(samples)]
    cached = pipelines[-1][1]
    for index in dict.fromkeys(indices):  # warm the cache: its first read is a decode like the others'
        cached.read_pair(index)
    threads = cv2.getNumThreads(), torch.get_num_threads()
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    try:
        # Each pipeline reads the samples in order, one call per round; no pause: nothing spins between calls.
        orders = {name: iter(indices) for name, _ in pipelines}
        calls = {name: (lambda d=dataset, order=orders[name]: d[next(order)]) for name, dataset in pipelines}
        times = time_interleaved(calls, len(indices), pause_s=0.0)
    finally:
        cv2.setNumThreads(threads[0])
        torch.set_num_threads(threads[1])
    return [PipelineSpeed(name, len(indices), sum(times[name])) for name, _ in pipelines]
