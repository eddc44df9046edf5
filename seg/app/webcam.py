"""Webcam frames streamed from the browser through the model: the overlay with the legend inside the frame (in
class-id order, as in the video demo, so it does not reorder while one watches) and the live frame rate.

Each browser session keeps its own ``WebcamSession`` (Gradio state): the frame rate is that of the frames this
visitor's stream got back, over the last ``window`` frames, and the network's own rate beside it.
"""

from __future__ import annotations

import numpy as np

from seg.app.segmenter import Segmenter
from seg.video.render import Renderer, RunningFPS, draw_fps


class WebcamSession:
    """One visitor's stream: the frame-rate clock and the renderer (legend inside, class-id order)."""

    def __init__(self, segmenter: Segmenter, opacity: float = 0.5, window: int = 30) -> None:
        self.segmenter = segmenter
        self.renderer = Renderer(opacity, False, "inside", segmenter.classes.names, segmenter.palette)
        self.fps = RunningFPS(window)
        self.network_ms: list[float] = []
        self.window = window

    def frame(self, image: np.ndarray, opacity: float) -> tuple[np.ndarray, str]:
        """One camera frame (RGB uint8) -> (the overlay with legend and FPS drawn in, the figures as text)."""
        self.renderer.opacity = float(opacity)
        result = self.segmenter.segment(image)
        fps = self.fps.tick()
        picture = self.renderer.overlay(image, result.labels)
        draw_fps(picture, fps)
        self.network_ms = [*self.network_ms[-(self.window - 1) :], result.network_ms]
        network = sum(self.network_ms) / len(self.network_ms)
        stream = f"{fps:.1f} FPS" if fps is not None else "measuring"
        return picture, f"stream {stream}; network {network:.1f} ms per frame ({1000 / max(network, 1e-6):.0f} FPS)"
