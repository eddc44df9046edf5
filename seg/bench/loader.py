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

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import torch

from seg.config import DataConfig
from seg.data.dataset import SegmentationDataset
from seg.data.datasets import scan_split
from seg.data.transforms import TrainTransform, reference_train_transform


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


def cpu_name() -> str:
    """The CPU model as ``lscpu`` prints it ("Model name"), from /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


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
    seconds = [0.0] * len(pipelines)
    try:
        for index in indices:
            for k, (_, dataset) in enumerate(pipelines):
                started = time.perf_counter()
                dataset[index]
                seconds[k] += time.perf_counter() - started
    finally:
        cv2.setNumThreads(threads[0])
        torch.set_num_threads(threads[1])
    return [PipelineSpeed(name, len(indices), s) for (name, _), s in zip(pipelines, seconds, strict=True)]
