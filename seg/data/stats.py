"""Label statistics of a split: pixel counts per class and the class weights derived from them.

``tools/class_weights.py`` prints them for a config's training split, in the form ``loss.class_weights``
takes; configs/lraspp_small_toy.py carries the output for the toy set.
"""

from __future__ import annotations

import numpy as np

from seg.data.cityscapes import CityscapesDataset, read_label
from seg.data.labels import NUM_CLASSES


def class_pixel_counts(dataset: CityscapesDataset) -> np.ndarray:
    """Labelled pixels of each trainId over every label map of ``dataset`` (int64 [NUM_CLASSES]; 255 not counted).

    Reads the label files only, through the same checks as training (``read_label``), without decoding images.
    """
    counts = np.zeros(NUM_CLASSES, dtype=np.int64)
    for _, label_path, is_label_ids in dataset.samples:
        label = read_label(label_path, is_label_ids)
        counts += np.bincount(label.ravel(), minlength=256)[:NUM_CLASSES]
    return counts


def median_frequency_weights(counts: np.ndarray, power: float = 0.5, decimals: int = 2) -> tuple[float, ...]:
    """``(median(f) / f_c) ** power`` per class, ``f_c`` being the class's share of labelled pixels.

    Median frequency balancing (Eigen and Fergus, ICCV 2015) with an exponent: ``power=1`` is the original,
    ``power=0.5`` (the default) its square root, which lifts rare classes without letting a class that covers
    0.1% of the pixels dominate the loss. The median is taken over the classes that occur; a class that never
    occurs gets weight 1.0 (it contributes no pixel to the loss anyway).
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.shape != (NUM_CLASSES,) or (counts < 0).any():
        raise ValueError(f"counts must be {NUM_CLASSES} non-negative pixel counts, got shape {counts.shape}")
    present = counts > 0
    if not present.any():
        raise ValueError("no labelled pixel in any class: the split's labels are all 255 (ignore)")
    frequency = counts / counts.sum()
    median = np.median(frequency[present])
    weights = np.ones(NUM_CLASSES)
    weights[present] = (median / frequency[present]) ** power
    return tuple(round(float(w), decimals) for w in weights)
