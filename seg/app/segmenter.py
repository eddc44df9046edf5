"""The model behind the web demo: the one Predictor (``seg.runtimes.factory.load_predictor``), timed, and the
pictures and numbers the page shows, drawn by the one renderer (``seg.data.render``).

A request's label map is ``Predictor.predict(image)``, exactly what ``tools/infer.py`` computes for the same
file; the network's own time is taken inside the runner (``TimedRunner``), the request's around everything
the server does for it (reading the upload, the model, the pictures, the label PNG).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import Tensor

from seg.classes import CITYSCAPES, ClassSet
from seg.data.render import SegmentationRenderer, colorize
from seg.inference.predictor import Predictor, Runner


class TimedRunner:
    """A runner that remembers how long its last call took on the calling thread (requests run on several)."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.description = runner.description
        self._local = threading.local()

    def __call__(self, batch: Tensor) -> Tensor:
        start = time.perf_counter()
        logits = self.runner(batch)
        self.runner.synchronize()  # a GPU's work is done when the clock stops
        self._local.seconds = getattr(self._local, "seconds", 0.0) + time.perf_counter() - start
        return logits

    def synchronize(self) -> None:
        self.runner.synchronize()

    def static_size(self) -> tuple[int, int] | None:
        return self.runner.static_size()

    def take_seconds(self) -> float:
        """Network seconds on this thread since the last call of this method."""
        seconds = getattr(self._local, "seconds", 0.0)
        self._local.seconds = 0.0
        return seconds

    def __getattr__(self, name: str) -> Any:  # what else a runner carries (metadata, device)
        return getattr(self.runner, name)


@dataclass(frozen=True)
class ClassArea:
    class_id: int
    name: str
    color: tuple[int, int, int]
    percent: float


@dataclass(frozen=True)
class Segmentation:
    """One image's result: the label map and how long the network took on it."""

    labels: np.ndarray  # uint8 [H, W] class ids
    network_ms: float


class Segmenter:
    """Segments images for the page and draws what it shows.

    Args:
        predictor: from ``load_predictor``; its runner is wrapped to time the network.
        name: what the page calls the model (its file name).
    """

    def __init__(self, predictor: Predictor, name: str) -> None:
        self.timer = TimedRunner(predictor.runner)
        predictor.runner = self.timer
        self.predictor = predictor
        self.name = name
        self.classes: ClassSet = predictor.classes or CITYSCAPES
        self.palette = self.classes.palette_array()

    @property
    def backend(self) -> str:
        return f"{self.predictor.backend} ({self.predictor.describe()})"

    def segment(self, image: np.ndarray) -> Segmentation:
        """The label map of an RGB uint8 image, as ``tools/infer.py`` computes it."""
        self.timer.take_seconds()
        labels = self.predictor.predict(image)
        return Segmentation(labels, 1000 * self.timer.take_seconds())

    def renderer(
        self, opacity: float = 0.5, legend: str = "beside", legend_order: str = "area"
    ) -> SegmentationRenderer:
        return SegmentationRenderer(
            self.classes.names, self.palette, opacity=opacity, legend=legend, legend_order=legend_order
        )

    def overlay(self, image: np.ndarray, labels: np.ndarray, opacity: float) -> np.ndarray:
        """The image with the class colours blended over it at ``opacity`` and the legend beside it."""
        return self.renderer(opacity).overlay(image, labels)

    def mask(self, labels: np.ndarray) -> np.ndarray:
        """The class colours alone, no legend: each pixel's colour is its class's palette entry exactly."""
        return colorize(labels, self.palette)

    def areas(self, labels: np.ndarray) -> list[ClassArea]:
        """Every class present with its share of the pixels (percent), largest first (ties: lower id first)."""
        counts = np.bincount(labels.ravel(), minlength=256)[: len(self.classes.names)]
        total = labels.size
        order = sorted(np.flatnonzero(counts), key=lambda i: (-counts[i], i))
        return [
            ClassArea(int(i), self.classes.names[i], tuple(int(c) for c in self.palette[i]), 100 * counts[i] / total)
            for i in order
        ]
