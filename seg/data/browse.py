"""A grid of dataset samples with their labels overlaid and a legend: what to look at first when a model does
not learn (a misaligned mask, a class shifted by one, an augmentation that crops away the objects).

Tiles and legend are drawn by the one renderer (``seg.data.render``), as predictions are; ignored pixels show
the image.
"""

from __future__ import annotations

import cv2
import numpy as np

from seg.classes import ClassSet
from seg.data.dataset import SegmentationDataset
from seg.data.render import Legend, SegmentationRenderer, classes_by_area
from seg.data.transforms import TrainTransform

_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _caption(tile: np.ndarray, text: str) -> None:
    scale = max(0.35, tile.shape[1] / 900)
    cv2.putText(tile, text, (4, int(18 * scale / 0.5)), _FONT, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(tile, text, (4, int(18 * scale / 0.5)), _FONT, scale, (255, 255, 255), 1, cv2.LINE_AA)


def browse_grid(
    dataset: SegmentationDataset,
    indices: list[int],
    classes: ClassSet,
    augment: TrainTransform | None = None,
    columns: int = 4,
    tile_width: int = 384,
) -> np.ndarray:
    """RGB uint8: the samples at ``indices`` (after ``augment`` if given) overlaid, in a grid, and a legend of the
    classes they contain."""
    renderer = SegmentationRenderer(classes.names, classes.palette_array(), opacity=0.5, legend="none")
    tiles, labels = [], []
    for index in indices:
        image, label = dataset.read_pair(index)
        if augment is not None:
            out = augment(image=image, mask=label)
            image, label = out["image"].permute(1, 2, 0).numpy(), out["mask"].numpy()
        image, label = np.ascontiguousarray(image), np.ascontiguousarray(label)
        labels.append(label.ravel())
        tile = renderer.overlay(image, label)
        height = max(1, round(tile.shape[0] * tile_width / tile.shape[1]))
        tile = cv2.resize(tile, (tile_width, height), interpolation=cv2.INTER_AREA)
        _caption(tile, dataset.samples[index].image.name)
        tiles.append(tile)
    tile_height = max(tile.shape[0] for tile in tiles)
    rows = -(-len(tiles) // columns)
    canvas = np.full((rows * tile_height, columns * tile_width, 3), 255, dtype=np.uint8)
    for k, tile in enumerate(tiles):
        top, left = (k // columns) * tile_height, (k % columns) * tile_width
        canvas[top : top + tile.shape[0], left : left + tile_width] = tile
    # Every class present anywhere in the grid is listed, largest area first.
    class_ids = classes_by_area(np.concatenate(labels), len(classes.names), min_fraction=0.0)
    return Legend(classes.names, renderer.palette, "beside").draw(canvas, class_ids)
