"""The request handlers behind the page, free of Gradio: each takes what a tab's inputs hold and returns what its
outputs show, with every user mistake turned into a message for the page (``ImageTab.run`` never raises an
``UploadError``; the server keeps serving whatever a visitor sends).
"""

from __future__ import annotations

import html
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seg.app.segmenter import ClassArea, Segmenter
from seg.app.uploads import UploadError, UploadLimits, read_upload
from seg.data.label_png import write_label_png


@dataclass
class ImageResult:
    """What the Image tab shows: a message (empty when all went well), the pictures, the table, the timings."""

    message: str
    overlay: np.ndarray | None = None
    mask: np.ndarray | None = None
    table: str = ""
    timing: str = ""
    label_png: str | None = None
    image: np.ndarray | None = None  # kept in the session, so the opacity slider redraws without the network
    labels: np.ndarray | None = None


def area_table(areas: list[ClassArea]) -> str:
    """The legend and the class areas in one HTML table: swatch, class, share of the pixels; largest first."""
    rows = "".join(
        f'<tr><td><span class="swatch" style="background: rgb{area.color}"></span></td>'
        f"<td>{area.class_id}</td><td>{html.escape(area.name)}</td><td>{area.percent:.2f}%</td></tr>"
        for area in areas
    )
    return (
        '<table class="areas"><thead><tr><th></th><th>id</th><th>class</th><th>pixels</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


class ImageTab:
    """Segments one uploaded image: label map, overlay, colour mask, class areas, timings, the label PNG."""

    def __init__(self, segmenter: Segmenter, limits: UploadLimits, output_dir: str | Path | None = None) -> None:
        self.segmenter = segmenter
        self.limits = limits
        self.output_dir = Path(output_dir) if output_dir else Path(tempfile.mkdtemp(prefix="seg_app_labels_"))
        self.output_dir.mkdir(parents=True, exist_ok=True)

    def run(self, path: str | None, opacity: float) -> ImageResult:
        start = time.perf_counter()
        if path is None:
            return ImageResult("")
        try:
            image = read_upload(path, self.limits)
            result = self.segmenter.segment(image)
        except UploadError as error:
            return ImageResult(f"**Cannot segment this upload.** {error}")
        except (ValueError, RuntimeError) as error:  # e.g. an image too small for the network
            return ImageResult(f"**Cannot segment this image** ({image.shape[1]}x{image.shape[0]}): {error}")
        labels = result.labels
        # One folder per request: two visitors' downloads never share a name.
        folder = Path(tempfile.mkdtemp(prefix="request_", dir=self.output_dir))
        label_png = write_label_png(folder / f"{Path(path).stem}_labels.png", labels)
        overlay = self.segmenter.overlay(image, labels, opacity)
        mask = self.segmenter.mask(labels)
        table = area_table(self.segmenter.areas(labels))
        total_ms = 1000 * (time.perf_counter() - start)
        height, width = labels.shape
        timing = (
            f"network **{result.network_ms:.1f} ms**, whole request **{total_ms:.1f} ms** (reading the upload, "
            f"the model, the pictures and the label PNG) for {width}x{height} on `{self.segmenter.backend}`"
        )
        return ImageResult("", overlay, mask, table, timing, str(label_png), image, labels)

    def redraw(self, image: np.ndarray | None, labels: np.ndarray | None, opacity: float) -> np.ndarray | None:
        """The overlay at a new opacity, from the session's last result (no network pass)."""
        if image is None or labels is None:
            return None
        return self.segmenter.overlay(image, labels, opacity)
