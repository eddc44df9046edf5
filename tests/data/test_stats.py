import numpy as np
import pytest
from PIL import Image

from seg.classes import NUM_CLASSES
from seg.data.cityscapes import CityscapesDataset
from seg.data.stats import class_pixel_counts, median_frequency_weights


def test_pixel_counts_match_the_label_files_and_skip_ignore(toy_root):
    dataset = CityscapesDataset(toy_root, "train")
    expected = np.zeros(NUM_CLASSES, dtype=np.int64)
    for sample in dataset.samples:
        label = np.asarray(Image.open(sample.label))
        expected += np.bincount(label[label != 255], minlength=NUM_CLASSES)[:NUM_CLASSES]
    assert np.array_equal(class_pixel_counts(dataset, NUM_CLASSES), expected)


def test_median_frequency_weights_by_hand():
    counts = np.zeros(NUM_CLASSES)
    counts[:3] = [100, 400, 25]  # shares 0.2, 0.8, 0.05 of 525... median share is that of class 0
    weights = median_frequency_weights(counts, power=1.0, decimals=6)
    assert weights[:3] == pytest.approx((1.0, 0.25, 4.0))
    assert weights[3:] == (1.0,) * (NUM_CLASSES - 3)  # absent classes are left at 1
    assert median_frequency_weights(counts)[:3] == (1.0, 0.5, 2.0)  # square root by default


def test_median_frequency_weights_reject_bad_counts():
    with pytest.raises(ValueError, match="non-negative"):
        median_frequency_weights(-np.ones(3))
    with pytest.raises(ValueError, match="all 255"):
        median_frequency_weights(np.zeros(NUM_CLASSES))
