"""Label statistics of a split: pixel counts per class and the class weights derived from them.

``tools/class_weights.py`` prints them for a config's training split, in the form ``loss.class_weights``
takes; configs/lraspp_small_toy.py carries the output for the toy set.
"""

from __future__ import annotations

import numpy as np

from seg.data.dataset import SegmentationDataset
from seg.data.io import read_label


def class_pixel_counts(dataset: SegmentationDataset, num_classes: int) -> np.ndarray:
    """Labelled pixels of each train id over every label map of ``dataset`` (int64 [num_classes]; ignore not counted).

    Reads the label files only, through the same checks as training (``read_label``), without decoding images.
    """
    counts = np.zeros(num_classes, dtype=np.int64)
    for sample in dataset.samples:
        label = read_label(sample.label, sample.encoding)
        counts += np.bincount(label.ravel(), minlength=256)[:num_classes]
    return counts


def median_frequency_weights(counts: np.ndarray, power: float = 0.5, decimals: int = 2) -> tuple[float, ...]:
    """``(median(f) / f_c) ** power`` per class, ``f_c`` being the class's share of labelled pixels.

    Median frequency balancing (Eigen and Fergus, ICCV 2015) with an exponent: ``power=1`` is the original,
    ``power=0.5`` (the default) its square root, which lifts rare classes without letting a class that covers
    0.1% of the pixels dominate the loss. The median is taken over the classes that occur; a class that never
    occurs gets weight 1.0 (it contributes no pixel to the loss anyway).
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or (counts < 0).any():
        raise ValueError(f"counts must be one non-negative pixel count per class, got shape {counts.shape}")
    present = counts > 0
    if not present.any():
        raise ValueError("no labelled pixel in any class: the split's labels are all 255 (ignore)")
    frequency = counts / counts.sum()
    median = np.median(frequency[present])
    weights = np.ones(counts.shape[0])
    weights[present] = (median / frequency[present]) ** power
    return tuple(round(float(w), decimals) for w in weights)
