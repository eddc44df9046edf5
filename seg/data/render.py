"""Pictures of label maps for people: colour masks, overlays and the legend that makes them readable.

The one renderer for every tool that draws predictions (tools/infer.py, the video demo, any viewer).
It knows nothing of Cityscapes: it takes the class names and a [C, 3] uint8 RGB palette, so a
model trained on any dataset draws with its own classes (``Predictor.classes``).

The legend lists the classes present, largest area first (``legend_order="area"``, for a still
image) or by class id (``"class"``, for video: a frame's largest class changes from frame to frame,
and a legend that reorders with it flickers), as colour swatches with a light border
(a dark class such as Cityscapes' truck or building stays visible on the dark legend background)
and names. It goes where the user asks: ``beside`` the picture (a strip on the right), ``below`` it
(a strip under it, several columns), ``inside`` (a box in the top-right corner, capped at a few
rows and a fraction of the height so it hides little) or ``none``. The size of a strip depends on
the picture's size and the class list only, never on one frame's content, so a video keeps one size.
Everything is RGB uint8 and drawn with OpenCV, whose functions release the GIL (the video pipeline
renders on its own thread).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

LEGEND_PLACEMENTS = ("beside", "below", "inside", "none")
# "area": largest first (a still image); "class": by class id, one order for every frame of a video.
LEGEND_ORDERS = ("area", "class")
# A class enters the legend when it covers at least this fraction of the picture: a handful of
# stray pixels would otherwise list nearly every class on every frame.
LEGEND_MIN_FRACTION = 0.001
# Size caps: a strip lists at most STRIP_ROWS classes (then "+N more"): beside the picture as many as
# fit its height, below it BELOW_ROWS rows; the box inside the picture at most INSIDE_ROWS rows and
# INSIDE_HEIGHT of its height.
STRIP_ROWS = 24
MIN_STRIP_ROWS = 5  # a strip beside a picture too short for this many rows makes the canvas taller
BELOW_ROWS = 3  # a strip below a picture has this many rows of as many columns as fit its width
INSIDE_ROWS = 6
INSIDE_HEIGHT = 0.4
BACKGROUND = (32, 32, 32)
TEXT = (255, 255, 255)
SWATCH_BORDER = (230, 230, 230)
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def colorize(labels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """[H, W] class ids -> [H, W, 3] uint8 RGB through ``palette`` [C, 3]; ids outside it (255: ignore) are black."""
    palette = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    table = np.zeros((256, 3), dtype=np.uint8)
    table[: min(len(palette), 256)] = palette[:256]
    return table[np.clip(np.asarray(labels), 0, 255).astype(np.uint8)]


def classes_by_area(labels: np.ndarray, num_classes: int, min_fraction: float = LEGEND_MIN_FRACTION) -> list[int]:
    """Class ids covering at least ``min_fraction`` of ``labels``, largest area first (ties: lower id first)."""
    counts = np.bincount(np.asarray(labels).ravel(), minlength=256)[:num_classes]
    present = np.flatnonzero(counts >= max(1.0, min_fraction * np.asarray(labels).size))
    return [int(i) for i in sorted(present, key=lambda i: (-counts[i], i))]


class Legend:
    """Swatch-and-name rows for a class list, drawn beside, below or inside a picture."""

    def __init__(self, names: Sequence[str], palette: np.ndarray, placement: str = "beside") -> None:
        if placement not in LEGEND_PLACEMENTS:
            raise ValueError(f"Legend placement {placement!r} is not one of {', '.join(LEGEND_PLACEMENTS)}.")
        self.names = tuple(names)
        self.palette = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
        if len(self.palette) < len(self.names):
            raise ValueError(f"{len(self.names)} class names but only {len(self.palette)} palette colours.")
        self.placement = placement

    # ------------------------------------------------------------------ geometry (depends on the size only)

    def _metrics(self, height: int) -> tuple[int, float, int, int]:
        """(row height, font scale, padding, entry width) for a picture ``height`` pixels tall."""
        row = int(min(32, max(12, round(height / 32))))
        scale = row / 30
        pad = max(3, row // 4)
        longest = max((cv2.getTextSize(n, _FONT, scale, 1)[0][0] for n in (*self.names, "+99 more")), default=0)
        return row, scale, pad, pad + (row - 2) + pad + longest + pad

    def _grid(self, size: tuple[int, int]) -> tuple[int, int]:
        """(rows, columns) of the legend for a picture of ``size`` (height, width)."""
        height, width = size
        row, _, pad, entry = self._metrics(height)
        count = min(len(self.names), STRIP_ROWS)
        if self.placement == "beside":  # as many rows as fit beside the picture, at least MIN_STRIP_ROWS
            return max(1, min(count, max(MIN_STRIP_ROWS, (height - 2 * pad) // row))), 1
        if self.placement == "below":
            columns = max(1, (width - pad) // entry)
            return max(1, min(BELOW_ROWS, math.ceil(count / columns))), columns
        if self.placement == "inside":
            return max(1, min(INSIDE_ROWS, count, int(INSIDE_HEIGHT * height) // row)), 1
        return 0, 0

    def canvas_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """(height, width) of a picture of ``size`` with this legend (a strip adds to it; inside/none do not)."""
        height, width = size
        row, _, pad, entry = self._metrics(height)
        rows, _ = self._grid(size)
        if self.placement == "beside":
            return max(height, 2 * pad + rows * row), width + entry + pad
        if self.placement == "below":
            return height + 2 * pad + rows * row, width
        return height, width

    # ------------------------------------------------------------------ drawing

    def draw(self, picture: np.ndarray, class_ids: Sequence[int]) -> np.ndarray:
        """``picture`` with the legend of ``class_ids`` (in the order given); a new array, ``canvas_size`` big."""
        height, width = picture.shape[:2]
        if self.placement == "none":
            return picture
        canvas_h, canvas_w = self.canvas_size((height, width))
        canvas = np.empty((canvas_h, canvas_w, 3), dtype=np.uint8)
        canvas[:] = BACKGROUND
        canvas[:height, :width] = picture
        row, scale, pad, entry = self._metrics(height)
        rows, columns = self._grid((height, width))
        ids = list(class_ids)
        slots = rows * columns
        shown, hidden = (ids, 0) if len(ids) <= slots else (ids[: slots - 1], len(ids) - slots + 1)
        if not ids:
            return canvas
        if self.placement == "beside":
            x0, y0 = width + pad, pad
        elif self.placement == "below":
            x0, y0 = pad, height + pad
        else:  # inside: a darkened box in the top-right corner, just big enough for what it lists
            used = len(shown) + (1 if hidden else 0)
            box_w, box_h = entry, 2 * pad + used * row
            x0, y0 = max(0, width - box_w - pad), pad
            region = canvas[y0 : y0 + box_h, x0 : x0 + box_w]
            region[:] = region // 4  # dark enough for white text over anything
            x0, y0 = x0 + pad // 2, y0 + pad
        for k, class_id in enumerate(shown):
            column, line = divmod(k, rows) if self.placement != "below" else (k % columns, k // columns)
            self._entry(canvas, x0 + column * entry, y0 + line * row, row, scale, class_id)
        if hidden:
            k = len(shown)
            column, line = divmod(k, rows) if self.placement != "below" else (k % columns, k // columns)
            self._text(canvas, f"+{hidden} more", x0 + column * entry + row, y0 + line * row, row, scale)
        return canvas

    def _entry(self, canvas: np.ndarray, x: int, y: int, row: int, scale: float, class_id: int) -> None:
        color = tuple(int(c) for c in self.palette[class_id])
        top, side = y + 1, row - 2
        cv2.rectangle(canvas, (x, top), (x + side - 1, top + side - 1), SWATCH_BORDER, -1)
        cv2.rectangle(canvas, (x + 1, top + 1), (x + side - 2, top + side - 2), color, -1)
        name = self.names[class_id] if class_id < len(self.names) else str(class_id)
        self._text(canvas, name, x + side + max(3, row // 4), y, row, scale)

    @staticmethod
    def _text(canvas: np.ndarray, text: str, x: int, y: int, row: int, scale: float) -> None:
        baseline = y + row - max(3, row // 4)
        cv2.putText(canvas, text, (x, baseline), _FONT, scale, TEXT, 1, cv2.LINE_AA)


class SegmentationRenderer:
    """Colour masks and overlays of label maps, with a legend of the classes present.

    ``overlay`` blends the palette over the image at ``opacity`` (pixels without a class, such as a
    dataset's ignored 255, show the image), or, ``side_by_side``, puts the image left and the palette
    image right; ``mask`` is the palette image alone.
    """

    def __init__(
        self,
        names: Sequence[str],
        palette: np.ndarray,
        opacity: float = 0.5,
        side_by_side: bool = False,
        legend: str = "beside",
        min_fraction: float = LEGEND_MIN_FRACTION,
        legend_order: str = "area",
    ) -> None:
        if not 0.0 <= opacity <= 1.0:
            raise ValueError(f"Overlay opacity must be in [0, 1]; got {opacity}.")
        if legend_order not in LEGEND_ORDERS:
            raise ValueError(f"Legend order {legend_order!r} is not one of {', '.join(LEGEND_ORDERS)}.")
        self.legend_order = legend_order
        self.palette = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
        self.legend = Legend(names, self.palette, legend)
        self.opacity = opacity
        self.side_by_side = side_by_side
        self.min_fraction = min_fraction

    def output_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """(height, width) of ``overlay``'s result for an image of ``size``."""
        height, width = size
        return self.legend.canvas_size((height, 2 * width if self.side_by_side else width))

    def classes(self, labels: np.ndarray) -> list[int]:
        """The classes the legend lists for ``labels``: present, largest first (or by class id)."""
        present = classes_by_area(labels, len(self.legend.names), self.min_fraction)
        return sorted(present) if self.legend_order == "class" else present

    def mask(self, labels: np.ndarray) -> np.ndarray:
        """The palette image of ``labels`` with its legend."""
        return self.legend.draw(colorize(labels, self.palette), self.classes(labels))

    def overlay(self, image: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """``image`` with ``labels`` blended over it (or beside it), with the legend."""
        colors = colorize(labels, self.palette)
        if self.side_by_side:
            picture = np.concatenate([image, colors], axis=1)
        else:
            picture = cv2.addWeighted(image, 1.0 - self.opacity, colors, self.opacity, 0.0)
            unlabelled = labels >= len(self.legend.names)  # ignored pixels (a dataset's 255) show the image
            if unlabelled.any():
                picture[unlabelled] = image[unlabelled]
        return self.legend.draw(picture, self.classes(labels))
