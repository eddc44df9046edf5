"""Label maps as files: a single-channel 8-bit PNG whose pixel values are the class ids (train ids).

The format people feed to their own tools, to annotation tools and to autolabelling pipelines, and the
one this toolkit reads back as a label (``seg.data.io.decode_label``). ``tools/infer.py`` writes it beside
each colour mask and the web demo (``seg.app``) offers it as a download; both call ``write_label_png``, so
the two files are byte-identical for the same label map. PNG is lossless, so the ids survive exactly.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from seg.outputs import OutputError


def encode_label_png(labels: np.ndarray) -> bytes:
    """[H, W] class ids (uint8; 255 = ignore) -> the bytes of a single-channel 8-bit PNG holding them as they are."""
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.dtype != np.uint8:
        raise ValueError(f"A label PNG holds uint8 class ids [H, W]; got {labels.dtype} {labels.shape}.")
    ok, data = cv2.imencode(".png", np.ascontiguousarray(labels))
    if not ok:  # OpenCV's PNG encoder takes any uint8 [H, W]; a failure here is a broken build, not user input
        raise RuntimeError("OpenCV could not encode a label map as PNG.")
    return data.tobytes()


def write_label_png(path: str | Path, labels: np.ndarray) -> Path:
    """Write ``labels`` to ``path`` as a single-channel PNG of class ids; the folder is created if needed."""
    path = Path(path)
    data = encode_label_png(labels)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as error:
        raise OutputError(f"Cannot write the label map {path}: {error.strerror or error}.") from None
    return path
