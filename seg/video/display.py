"""An optional window for --show: only where a display exists and OpenCV was built with a GUI."""

from __future__ import annotations

import os
from collections.abc import Callable

import cv2
import numpy as np


def open_window(title: str = "seg video demo") -> tuple[Callable[[np.ndarray], bool] | None, str]:
    """A function that shows an RGB frame and returns False when q or Esc is pressed, or None and
    the reason no window can be shown (no display, or an OpenCV build without GUI support)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None, "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    gui = next(
        (
            line.split(":", 1)[1].strip()
            for line in cv2.getBuildInformation().splitlines()
            if line.strip().startswith("GUI:")
        ),
        "",
    )
    if gui.upper() in ("", "NONE"):
        return None, "this OpenCV build has no GUI support (opencv-python-headless); install opencv-python for --show"
    try:
        cv2.namedWindow(title, cv2.WINDOW_NORMAL)
    except cv2.error as error:
        return None, f"OpenCV could not open a window ({error})"

    def show(frame_rgb: np.ndarray) -> bool:
        cv2.imshow(title, cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR))
        return (cv2.waitKey(1) & 0xFF) not in (ord("q"), 27)

    return show, "showing frames in a window (q or Esc stops)"
