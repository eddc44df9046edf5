"""Drawing one output frame: the palette overlay (or original | segmentation), a legend, the FPS.

Everything is RGB uint8 and drawn with OpenCV, whose functions release the GIL, so rendering
overlaps with inference in the video pipeline.
"""

from __future__ import annotations

import time
from collections import deque

import cv2
import numpy as np

from seg.data.labels import CLASS_NAMES, NUM_CLASSES, colorize

# A class enters the legend when it covers at least this fraction of the frame: a handful of
# stray pixels would otherwise list nearly every class on every frame.
LEGEND_MIN_FRACTION = 0.001
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def classes_present(labels: np.ndarray, min_fraction: float = LEGEND_MIN_FRACTION) -> list[int]:
    """Train ids covering at least ``min_fraction`` of the label map, in id order (a stable legend)."""
    counts = np.bincount(labels.ravel(), minlength=256)[:NUM_CLASSES]
    return [int(i) for i in np.flatnonzero(counts >= max(1.0, min_fraction * labels.size))]


def draw_legend(canvas: np.ndarray, class_ids: list[int], right: int) -> None:
    """A colour swatch and name per class, in a shaded box whose right edge is at x = ``right``."""
    if not class_ids:
        return
    height = canvas.shape[0]
    row = max(9, round(height / 40))  # 14 px rows at 576 lines: 19 classes fit in half the frame
    scale = row / 30
    thickness = 1
    text_width = max(cv2.getTextSize(CLASS_NAMES[i], _FONT, scale, thickness)[0][0] for i in class_ids)
    pad = max(2, row // 4)
    box_w = pad * 3 + row + text_width
    box_h = pad * 2 + row * len(class_ids)
    x0, y0 = max(0, right - box_w - pad), pad
    region = canvas[y0 : y0 + box_h, x0 : x0 + box_w]
    region[:] = region // 3  # darken behind the text so it reads on any background
    palette = colorize(np.asarray(class_ids, dtype=np.uint8)[:, None])[:, 0]
    for k, class_id in enumerate(class_ids):
        top = y0 + pad + k * row
        color = tuple(int(c) for c in palette[k])
        cv2.rectangle(canvas, (x0 + pad, top + 1), (x0 + pad + row - 2, top + row - 2), color, -1)
        baseline = top + row - max(2, row // 5)
        cv2.putText(
            canvas,
            CLASS_NAMES[class_id],
            (x0 + 2 * pad + row, baseline),
            _FONT,
            scale,
            (255, 255, 255),
            thickness,
            cv2.LINE_AA,
        )


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


class Renderer:
    """Turns (frame, labels) into the output frame.

    Overlay mode blends the palette over the frame at ``opacity``; side-by-side mode puts the
    original left and the palette image right, so the output is twice as wide as the input.
    """

    def __init__(self, opacity: float = 0.5, side_by_side: bool = False, legend: bool = True) -> None:
        if not 0.0 <= opacity <= 1.0:
            raise ValueError(f"Overlay opacity must be in [0, 1]; got {opacity}.")
        self.opacity = opacity
        self.side_by_side = side_by_side
        self.legend = legend

    def output_size(self, frame_size: tuple[int, int]) -> tuple[int, int]:
        """(height, width) of the rendered frame for an input frame of ``frame_size``."""
        height, width = frame_size
        return (height, 2 * width) if self.side_by_side else (height, width)

    def __call__(self, image: np.ndarray, labels: np.ndarray, fps: float | None = None) -> np.ndarray:
        colors = colorize(labels)
        if self.side_by_side:
            canvas = np.concatenate([image, colors], axis=1)
        else:
            canvas = cv2.addWeighted(image, 1.0 - self.opacity, colors, self.opacity, 0.0)
        if self.legend:
            draw_legend(canvas, classes_present(labels), right=canvas.shape[1])
        draw_fps(canvas, fps)
        return canvas
