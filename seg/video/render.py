"""Drawing one output frame of the video demo: the overlay and legend (``seg.data.render``, shared with
tools/infer.py) and the running frame rate.

Everything is RGB uint8 and drawn with OpenCV, whose functions release the GIL, so rendering
overlaps with inference in the video pipeline.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

import cv2
import numpy as np

from seg.classes import CLASS_NAMES, PALETTE
from seg.data.render import SegmentationRenderer

_FONT = cv2.FONT_HERSHEY_SIMPLEX


def draw_fps(canvas: np.ndarray, fps: float | None) -> None:
    """The running frame rate in the top-left corner, white on a dark outline."""
    if fps is None:
        return
    size = max(12, round(canvas.shape[0] / 24))
    scale, origin = size / 30, (max(2, size // 3), size + max(2, size // 3))
    text = f"{fps:.1f} FPS"
    cv2.putText(canvas, text, origin, _FONT, scale, (0, 0, 0), max(3, size // 6), cv2.LINE_AA)
    cv2.putText(canvas, text, origin, _FONT, scale, (255, 255, 255), max(1, size // 16), cv2.LINE_AA)


class RunningFPS:
    """Frames per second over the last ``window`` frames (None until two frames were seen)."""

    def __init__(self, window: int = 30) -> None:
        self._times: deque[float] = deque(maxlen=window)

    def tick(self) -> float | None:
        self._times.append(time.perf_counter())
        if len(self._times) < 2:
            return None
        elapsed = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / elapsed if elapsed > 0 else None


class Renderer(SegmentationRenderer):
    """Turns (frame, labels) into the output frame: the overlay (or original | segmentation) with the legend
    (``legend``: inside the frame by default, capped to a few rows; ``beside`` / ``below`` as a strip that makes
    the video larger; ``none``) and the running FPS. ``names`` and ``palette`` default to Cityscapes'.

    The legend lists the classes present in class-id order, not largest first: areas cross from frame to
    frame (a car passes, the road shrinks), and a legend ordered by them would reorder while one watches."""

    def __init__(
        self,
        opacity: float = 0.5,
        side_by_side: bool = False,
        legend: str = "inside",
        names: Sequence[str] = CLASS_NAMES,
        palette: np.ndarray = PALETTE,
    ) -> None:
        super().__init__(
            names, palette, opacity=opacity, side_by_side=side_by_side, legend=legend, legend_order="class"
        )

    def __call__(self, image: np.ndarray, labels: np.ndarray, fps: float | None = None) -> np.ndarray:
        canvas = self.overlay(image, labels)
        draw_fps(canvas, fps)
        return canvas
