"""A grid of dataset samples with their labels overlaid and a legend: what to look at first when a model does
not learn (a misaligned mask, a class shifted by one, an augmentation that crops away the objects).

Kept small on purpose: the video and inference renderers draw the same overlay for predictions.
"""

from __future__ import annotations

import cv2
import numpy as np

from seg.classes import ClassSet
from seg.data.dataset import SegmentationDataset
from seg.data.transforms import TrainTransform

_FONT = cv2.FONT_HERSHEY_SIMPLEX


def overlay(image: np.ndarray, label: np.ndarray, classes: ClassSet, alpha: float = 0.5) -> np.ndarray:
    """``image`` RGB uint8 with each labelled pixel blended towards its class colour; unlabelled pixels stay."""
    table = np.zeros((256, 3), dtype=np.uint8)
    table[: len(classes.names)] = classes.palette_array()
    colors = table[label]
    blended = cv2.addWeighted(image, 1.0 - alpha, colors, alpha, 0.0)
    labelled = (label < len(classes.names))[..., None]
    return np.where(labelled, blended, image)


def _caption(tile: np.ndarray, text: str) -> None:
    scale = max(0.35, tile.shape[1] / 900)
    cv2.putText(tile, text, (4, int(18 * scale / 0.5)), _FONT, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(tile, text, (4, int(18 * scale / 0.5)), _FONT, scale, (255, 255, 255), 1, cv2.LINE_AA)


def legend(classes: ClassSet, class_ids: list[int], height: int) -> np.ndarray:
    """A white panel with a swatch and the name of each class in ``class_ids`` (as many columns as needed)."""
    row, pad = 18, 6
    per_column = max(1, (height - 2 * pad) // row)
    columns = max(1, -(-len(class_ids) // per_column))
    text_width = max([cv2.getTextSize(classes.names[i], _FONT, 0.45, 1)[0][0] for i in class_ids] or [0])
    column_width = row + 3 * pad + text_width
    panel = np.full((height, columns * column_width + pad, 3), 255, dtype=np.uint8)
    for k, class_id in enumerate(class_ids):
        x = pad + (k // per_column) * column_width
        y = pad + (k % per_column) * row
        color = tuple(int(c) for c in classes.palette[class_id])
        cv2.rectangle(panel, (x, y + 2), (x + row - 4, y + row - 2), color, -1)
        cv2.rectangle(panel, (x, y + 2), (x + row - 4, y + row - 2), (0, 0, 0), 1)
        cv2.putText(
            panel, classes.names[class_id], (x + row + pad, y + row - 5), _FONT, 0.45, (0, 0, 0), 1, cv2.LINE_AA
        )
    return panel


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
    tiles, present = [], np.zeros(256, dtype=bool)
    for index in indices:
        image, label = dataset.read_pair(index)
        if augment is not None:
            out = augment(image=image, mask=label)
            image, label = out["image"].permute(1, 2, 0).numpy(), out["mask"].numpy()
        image, label = np.ascontiguousarray(image), np.ascontiguousarray(label)
        present |= np.bincount(label.ravel(), minlength=256) > 0
        tile = overlay(image, label, classes)
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
    class_ids = [int(i) for i in np.flatnonzero(present[: len(classes.names)])]
    return np.concatenate([canvas, legend(classes, class_ids, canvas.shape[0])], axis=1)
