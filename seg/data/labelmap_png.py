"""Label maps as files: a single-channel 8-bit PNG whose pixel values are the class ids (0..C-1).

The format annotation tools, autolabelling pipelines and this toolkit's own dataset readers
(``seg.data.io.decode_label``) take as a label. A colour rendering (``*_mask.png``) is for people; this is
for programs. Class ids above 255 do not fit and are refused rather than wrapped.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

__all__ = ["encode_label_png", "write_label_png"]


def encode_label_png(labels: np.ndarray) -> bytes:
    """The PNG file of a [H, W] label map of class ids (any integer type, values 0..255)."""
    if labels.ndim != 2:
        raise ValueError(f"a label map is [H, W]; got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 255):
        raise ValueError(f"class ids {labels.min()}..{labels.max()} do not fit an 8-bit PNG (0..255)")
    ok, data = cv2.imencode(".png", np.ascontiguousarray(labels, dtype=np.uint8))
    if not ok:
        raise ValueError("OpenCV could not encode the label map as PNG")
    return data.tobytes()


def write_label_png(path: str | Path, labels: np.ndarray) -> None:
    Path(path).write_bytes(encode_label_png(labels))
