"""Agreement and mIoU of predictors on samples (seg.bench.accuracy): one loop, each image predicted once."""

import numpy as np
import pytest

from seg.bench.accuracy import compare_predictions, evaluate_miou


class CountingPredictor:
    """Predicts a fixed label map per image (by index in its first pixel), counting its calls."""

    num_classes = 3

    def __init__(self, maps: list[np.ndarray]) -> None:
        self.maps, self.calls = maps, 0

    def predict(self, image: np.ndarray) -> np.ndarray:
        self.calls += 1
        return self.maps[int(image[0, 0, 0])]


def samples(labels: list[np.ndarray | None]) -> list[tuple[np.ndarray, np.ndarray | None]]:
    return [(np.full((*label_shape(labels, k), 3), k, np.uint8), label) for k, label in enumerate(labels)]


def label_shape(labels, k):
    return (2, 4) if labels[k] is None else labels[k].shape


def test_agreement_and_both_mious_from_one_prediction_per_image():
    truth = [np.array([[0, 0, 1, 1], [2, 2, 255, 255]], np.uint8), np.array([[1, 1], [1, 1]], np.uint8)]
    reference = CountingPredictor([np.array([[0, 0, 1, 1], [2, 2, 0, 0]], np.uint8), np.ones((2, 2), np.uint8)])
    candidate = CountingPredictor([np.array([[0, 0, 1, 1], [2, 1, 0, 0]], np.uint8), np.ones((2, 2), np.uint8)])
    result = compare_predictions(reference, candidate, samples(truth))
    assert (reference.calls, candidate.calls) == (2, 2)
    assert result.images == 2 and result.agreement == pytest.approx(11 / 12)
    assert result.miou_reference == pytest.approx(1.0)  # every scored pixel right (the ignored ones do not count)
    # Candidate: class 0 IoU 2/2, class 1 IoU 6/7 (one class-2 pixel called 1), class 2 IoU 1/2.
    assert result.miou_candidate == pytest.approx((1 + 6 / 7 + 1 / 2) / 3)
    assert evaluate_miou(candidate, samples(truth)) == pytest.approx(result.miou_candidate)


def test_without_labels_only_the_agreement_is_measured():
    maps = [np.zeros((2, 4), np.uint8)]
    result = compare_predictions(
        CountingPredictor(maps), CountingPredictor([np.eye(2, 4, dtype=np.uint8)]), samples([None])
    )
    assert result.agreement == pytest.approx(6 / 8) and result.miou_reference is None and result.miou_candidate is None
