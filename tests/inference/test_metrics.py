import json
import math

import numpy as np
import pytest
import torch

from seg.classes import CLASS_NAMES
from seg.inference.metrics import SegmentationMetric, agreement, format_scores_table, scores_to_dict


def _hand_example() -> tuple[torch.Tensor, torch.Tensor]:
    # 4 classes; class 3 is in neither target nor (non-ignored) prediction. The two ignored
    # pixels carry predictions 3 and 0 that must not count anywhere.
    target = torch.tensor([[0, 0, 0, 1], [1, 2, 255, 255]]).unsqueeze(0)
    preds = torch.tensor([[0, 0, 1, 1], [2, 2, 3, 0]]).unsqueeze(0)
    return preds, target


def test_matches_hand_computed_confusion_matrix() -> None:
    metric = SegmentationMetric(num_classes=4)
    metric.update(*_hand_example())
    scores = metric.compute()

    expected = torch.tensor([[2, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]])
    assert torch.equal(scores.confusion_matrix, expected)
    iou = scores.per_class_iou
    assert iou[:3].tolist() == pytest.approx([2 / 3, 1 / 3, 1 / 2])  # diag / (row + col - diag)
    assert math.isnan(iou[3])  # empty union: NaN, not 0 or 1
    assert float(scores.miou) == pytest.approx((2 / 3 + 1 / 3 + 1 / 2) / 3)  # class 3 left out of the mean
    assert float(scores.pixel_accuracy) == pytest.approx(4 / 6)


def test_logits_are_argmaxed() -> None:
    preds, target = _hand_example()
    logits = torch.nn.functional.one_hot(preds, 4).permute(0, 3, 1, 2).float() * 5.0
    from_logits, from_ids = SegmentationMetric(4), SegmentationMetric(4)
    from_logits.update(logits, target)
    from_ids.update(preds, target)
    assert torch.equal(from_logits.compute().confusion_matrix, from_ids.compute().confusion_matrix)


def test_accumulates_dataset_confusion_matrix_not_mean_of_batches() -> None:
    batch_a = (torch.zeros(1, 2, 2, dtype=torch.long), torch.zeros(1, 2, 2, dtype=torch.long))
    batch_b = (torch.ones(1, 2, 2, dtype=torch.long), torch.tensor([[[0, 1], [1, 1]]]))
    per_batch = []
    for preds, target in (batch_a, batch_b):
        single = SegmentationMetric(2)
        single.update(preds, target)
        per_batch.append(float(single.compute().miou))
    assert per_batch == pytest.approx([1.0, (0.0 + 3 / 4) / 2])

    metric = SegmentationMetric(2)
    metric.update(*batch_a)
    metric.update(*batch_b)
    # Dataset matrix [[4, 1], [0, 3]]: IoU 4/5 and 3/4.
    assert float(metric.compute().miou) == pytest.approx((4 / 5 + 3 / 4) / 2)
    assert float(metric.compute().miou) != pytest.approx(sum(per_batch) / 2)

    metric.reset()
    assert int(metric.confusion_matrix.sum()) == 0


def test_states_merge_by_summing_like_ddp_sync() -> None:
    # merge_state applies the same dist_reduce_fx that DDP sync uses.
    preds, target = _hand_example()
    rank0, rank1, together = SegmentationMetric(4), SegmentationMetric(4), SegmentationMetric(4)
    rank0.update(preds, target)
    rank1.update(preds.flip(-1), target)
    together.update(torch.cat([preds, preds.flip(-1)]), torch.cat([target, target]))
    rank0.merge_state(rank1)
    assert torch.equal(rank0.compute().confusion_matrix, together.compute().confusion_matrix)


def test_no_valid_pixels_gives_nan_not_a_score() -> None:
    metric = SegmentationMetric(3)
    metric.update(torch.zeros(1, 2, 2, dtype=torch.long), torch.full((1, 2, 2), 255))
    scores = metric.compute()
    assert math.isnan(scores.miou) and math.isnan(scores.pixel_accuracy)


@pytest.mark.parametrize(
    ("preds", "target", "message"),
    [
        (torch.zeros(1, 2, 2, dtype=torch.long), torch.full((1, 2, 2), 7), "targets \\[7\\]"),
        (torch.full((1, 2, 2), 3), torch.zeros(1, 2, 2, dtype=torch.long), "predictions \\[3\\]"),
        (torch.zeros(1, 2, 3, dtype=torch.long), torch.zeros(1, 2, 2, dtype=torch.long), "differ in shape"),
        (torch.zeros(1, 5, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long), "5 channels"),
    ],
)
def test_bad_inputs_raise_clear_errors(preds: torch.Tensor, target: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SegmentationMetric(3).update(preds, target)


def test_ignore_index_must_not_be_a_class() -> None:
    with pytest.raises(ValueError, match="ignore_index=2"):
        SegmentationMetric(3, ignore_index=2)


def test_report_dict_is_json_ready_and_in_percent() -> None:
    metric = SegmentationMetric(19)
    target = torch.arange(18).reshape(1, 3, 6)  # class 18 (bicycle) absent
    preds = target.clone()
    preds[0, 0, 0] = 1  # one road pixel called sidewalk
    metric.update(preds, target)
    report = scores_to_dict(metric.compute(), CLASS_NAMES, inference="whole image, single scale")

    names = list(CLASS_NAMES)
    assert names[0] == "road" and names[18] == "bicycle" and list(report["per_class_iou"]) == names
    assert report["per_class_iou"]["road"] == 0.0
    assert report["per_class_iou"]["sidewalk"] == 50.0
    assert report["per_class_iou"]["bicycle"] is None
    assert report["miou"] == pytest.approx(100 * (0 + 0.5 + 16) / 18, abs=1e-4)
    assert report["pixel_accuracy"] == pytest.approx(100 * 17 / 18, abs=1e-4)
    assert report["inference"] == "whole image, single scale"
    json.dumps(report, allow_nan=False)

    table = format_scores_table(metric.compute(), CLASS_NAMES, inference="whole image, single scale")
    assert "bicycle" in table and "n/a" in table
    assert f"{report['miou']:7.2f}" in next(line for line in table.splitlines() if line.startswith("mIoU"))


def test_report_with_custom_names() -> None:
    metric = SegmentationMetric(2)
    metric.update(torch.zeros(1, 1, 1, dtype=torch.long), torch.zeros(1, 1, 1, dtype=torch.long))
    assert scores_to_dict(metric.compute(), class_names=["a", "b"])["per_class_iou"] == {"a": 100.0, "b": None}
    with pytest.raises(ValueError, match="3 class names for 2 classes"):
        scores_to_dict(metric.compute(), class_names=["a", "b", "c"])


def test_agreement_counts_pixels_over_all_pairs_so_a_big_image_weighs_more():
    small_same = (np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.uint8))  # 4 of 4 agree
    big_half = (np.zeros((4, 4), np.uint8), np.repeat([[0], [1]], 8, axis=0).reshape(4, 4).astype(np.uint8))
    assert agreement([small_same, big_half]) == pytest.approx((4 + 8) / (4 + 16))  # not the mean (1 + 0.5) / 2
    assert agreement(iter([(torch.tensor([[1, 2]]), np.array([[1, 3]]))])) == 0.5  # tensors, arrays, generators


def test_agreement_refuses_maps_of_different_shapes_and_no_pixels():
    with pytest.raises(ValueError, match="differ in shape"):
        agreement([(np.zeros((2, 3)), np.zeros((3, 2)))])
    with pytest.raises(ValueError, match="at least one pixel"):
        agreement([])
