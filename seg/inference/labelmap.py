"""Label maps from low-resolution logits without building C x H x W float logits at full resolution.

The exact label map is ``argmax(bilinear_resize(logits, (H, W)))`` (either ``align_corners``): at 512 x 1024
with 19 classes that is 10M interpolated floats written and read again, for one byte per pixel kept.

A bilinear value is a convex combination of the four low-resolution neighbours, with the same weights for
every class. Where all four neighbours have the same argmax k, class k is at least every other class at
each neighbour, so it is at least every other class in the combination: the label is k, and nothing needs
interpolating. :func:`label_map` therefore

1. takes the argmax at low resolution,
2. marks each low-resolution cell (a pixel and its right, lower and lower-right neighbours) as uniform
   when the four labels agree,
3. spreads the cells' labels to full resolution by a gather (nearest-style, one byte per pixel), and
4. interpolates the C logits and takes the argmax only at output pixels of non-uniform cells, with the
   same taps as PyTorch (along x, then along y; values equal to float rounding, ~1e-6).

The result equals the exact path except where two classes are within that rounding of each other. Cells along class boundaries are a small share of a street scene at stride 8.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from seg.classes import MAX_CLASSES
from seg.inference.resize import check_label_count

# Marks a non-uniform cell in the cell label map; real labels are below it (uint8 label maps hold MAX_CLASSES).
BOUNDARY = MAX_CLASSES


class LowResolutionLogits(nn.Module):
    """Wraps a segmentor so the graph ends at the decoder's logits (stride 8 for LR-ASPP), before the final
    resize: the export option for :func:`label_map`. ``Segmentor.forward`` is ``resize(head(backbone(x)))``;
    this is its first half, so the two stay one computation."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model.head(self.model.backbone(images))


def bilinear_taps(
    in_size: int, out_size: int, align_corners: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output index: (lower source index, upper source index, float32 weight of the upper one).

    ``align_corners=False``: source = (out + 0.5) * in / out - 0.5, clamped at 0; ``True`` (the authors'
    resizes): source = out * (in - 1) / (out - 1). Both as PyTorch computes them in float32
    (``area_pixel_compute_source_index``).
    """
    if align_corners:
        scale = np.float32((in_size - 1) / (out_size - 1)) if out_size > 1 else np.float32(0.0)
        source = np.arange(out_size, dtype=np.float32) * scale
    else:
        scale = np.float32(in_size / out_size)
        source = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
        source = np.maximum(source, np.float32(0.0))
    lower = np.minimum(source.astype(np.int64), in_size - 1)
    upper = np.minimum(lower + 1, in_size - 1)
    return lower, upper, (source - lower).astype(np.float32)


def label_map(logits: np.ndarray, size: tuple[int, int], align_corners: bool = False) -> np.ndarray:
    """uint8 labels [N, H, W] at ``size`` from float32 logits [N, C, h, w], equal to the argmax of the bilinearly resized logits
    up to float-rounding ties, interpolating only at pixels of cells whose four low-resolution labels disagree."""
    logits = np.asarray(logits)
    if logits.ndim != 4:
        raise ValueError(f"label_map expects logits [N, C, h, w]; got shape {logits.shape}.")
    check_label_count(logits.shape[1])
    logits = np.ascontiguousarray(logits, dtype=np.float32)
    return np.stack([_label_map_one(scores, size, align_corners) for scores in logits])


def _label_map_one(scores: np.ndarray, size: tuple[int, int], align_corners: bool) -> np.ndarray:
    classes, height, width = scores.shape
    rows, cols = bilinear_taps(height, size[0], align_corners), bilinear_taps(width, size[1], align_corners)
    low = scores.argmax(axis=0).astype(np.uint8)
    below = np.minimum(np.arange(height) + 1, height - 1)
    right = np.minimum(np.arange(width) + 1, width - 1)
    uniform = (low == low[below]) & (low == low[:, right]) & (low == low[below][:, right])
    cells = np.where(uniform, low, np.uint8(BOUNDARY))
    labels = cells[rows[0]][:, cols[0]]  # each output pixel takes its cell's label (BOUNDARY where mixed)
    # Output rows that fall in one row of cells form a contiguous band (the lower source index is monotone).
    starts = np.searchsorted(rows[0], np.arange(height + 1))
    # Pixel-major logits [h, w, C]: a gathered neighbour is one contiguous run of C floats.
    pixels = np.ascontiguousarray(scores.transpose(1, 2, 0))
    for cell_row in np.flatnonzero(~uniform.all(axis=1)):
        band = slice(starts[cell_row], starts[cell_row + 1])
        if band.start == band.stop:
            continue
        xs = np.flatnonzero(~uniform[cell_row][cols[0]])
        left, right_index, weight_x = cols[0][xs], cols[1][xs], cols[2][xs, None]
        # Along x at the cell's two source rows, then along y: PyTorch's order, each step (1 - w) * a + w * b.
        top, bottom = pixels[cell_row], pixels[below[cell_row]]
        top = (np.float32(1) - weight_x) * top[left] + weight_x * top[right_index]
        bottom = (np.float32(1) - weight_x) * bottom[left] + weight_x * bottom[right_index]
        weight_y = rows[2][band, None, None]
        blended = (np.float32(1) - weight_y) * top + weight_y * bottom
        labels[band, xs] = blended.argmax(axis=-1).astype(np.uint8)  # labels[band][:, xs] would write to a copy
    return labels
