from pathlib import Path

import numpy as np
import pytest
import torch
from cityscapesscripts.evaluation import evalPixelLevelSemanticLabeling as official
from cityscapesscripts.helpers.labels import labels, name2label
from PIL import Image

from seg.classes import CLASS_NAMES, LABELID_TO_TRAINID
from seg.inference.cityscapes_eval import (
    OfficialEvaluationError,
    evaluate_official,
    result_file_name,
    write_cityscapes_result,
)
from seg.inference.metrics import SegmentationMetric, scores_to_dict

FRAMES = [("frankfurt", "000000", "000294"), ("frankfurt", "000001", "007973"), ("lindau", "000000", "000019")]
SIZE = (24, 40)
# Classes kept out of the ground truth: "train" is also never predicted (empty union: left
# out of both means); "bus" is predicted but absent (IoU 0). "motorcycle" is never predicted.
ABSENT_FROM_GT = {"train", "bus"}
NEVER_PREDICTED = {"train", "motorcycle"}


def _make_tree(root: Path) -> tuple[Path, SegmentationMetric]:
    """gtFine/val labelIds (void ids 0-6 included) plus noisy predictions, scored by our metric on the way."""
    rng = np.random.default_rng(0)
    gt_ids = [label.id for label in labels if label.id >= 0 and label.name not in ABSENT_FROM_GT]
    never = {name2label[name].trainId for name in NEVER_PREDICTED}
    predictable = [train_id for train_id in range(19) if train_id not in never]
    metric = SegmentationMetric(19)
    results = root / "results"
    for city, sequence, frame in FRAMES:
        gt = rng.choice(gt_ids, size=SIZE).astype(np.uint8)
        gt[:4, :6] = rng.integers(0, 7, size=(4, 6))  # a block of void ids 0..6
        gt_path = root / "gtFine" / "val" / city / f"{city}_{sequence}_{frame}_gtFine_labelIds.png"
        gt_path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(gt).save(gt_path)

        gt_train = LABELID_TO_TRAINID[gt]
        noise = rng.choice(predictable, size=SIZE)
        keep = (rng.random(SIZE) < 0.6) & (gt_train != 255) & np.isin(gt_train, predictable)
        pred = np.where(keep, gt_train, noise).astype(np.int64)
        image_path = root / "leftImg8bit" / "val" / city / f"{city}_{sequence}_{frame}_leftImg8bit.png"
        written = write_cityscapes_result(pred, image_path, results)
        assert written.name == image_path.name
        metric.update(torch.from_numpy(pred)[None], torch.from_numpy(gt_train.astype(np.int64))[None])
    return results, metric


def test_metric_equals_official_evaluator(tmp_path: Path) -> None:
    results, metric = _make_tree(tmp_path)
    args_before = dict(vars(official.args))
    official_scores = evaluate_official(results, tmp_path, "val")
    assert dict(vars(official.args)) == args_before  # the script's global settings are restored

    ours = scores_to_dict(metric.compute(), CLASS_NAMES)
    assert official_scores["num_images"] == len(FRAMES)
    assert official_scores["per_class_iou"].keys() == ours["per_class_iou"].keys()
    for name, iou in ours["per_class_iou"].items():
        if name == "train":
            assert iou is None and official_scores["per_class_iou"][name] is None
        else:
            assert iou == pytest.approx(official_scores["per_class_iou"][name], abs=0.01), name
    assert ours["per_class_iou"]["bus"] == 0.0 and ours["per_class_iou"]["motorcycle"] == 0.0
    assert 5.0 < ours["miou"] < 95.0  # a non-trivial score, so the comparison means something
    assert ours["miou"] == pytest.approx(official_scores["miou"], abs=0.01)
    # Unrounded, the two agree to floating-point precision: they count the same pixels.
    assert 100 * float(metric.compute().miou) == pytest.approx(official_scores["miou"], abs=1e-9)


def test_result_png_holds_label_ids(tmp_path: Path) -> None:
    pred = np.array([[0, 13, 18], [5, 10, 11]])
    path = write_cityscapes_result(pred, "munster_000042_000019_leftImg8bit.png", tmp_path)
    stored = np.array(Image.open(path))
    expected = [[name2label[n].id for n in row] for row in (["road", "car", "bicycle"], ["pole", "sky", "person"])]
    assert stored.dtype == np.uint8 and stored.tolist() == expected


def test_result_names_and_bad_inputs(tmp_path: Path) -> None:
    assert result_file_name("a/b/ulm_000005_000019_gtFine_labelIds.png") == "ulm_000005_000019_leftImg8bit.png"
    with pytest.raises(ValueError, match="not a Cityscapes file name"):
        result_file_name("frame_0001.png")
    with pytest.raises(ValueError, match=r"trainIds \[19, 255\]"):
        write_cityscapes_result(np.array([[0, 19], [255, 1]]), "ulm_000005_000019_leftImg8bit.png", tmp_path)


def test_missing_prediction_is_one_clear_error(tmp_path: Path) -> None:
    results, _ = _make_tree(tmp_path)
    next(results.glob("lindau_*.png")).unlink()
    args_before = dict(vars(official.args))
    with pytest.raises(OfficialEvaluationError, match="Found no prediction for ground truth .*lindau_000000_000019"):
        evaluate_official(results, tmp_path, "val")
    assert dict(vars(official.args)) == args_before
    with pytest.raises(OfficialEvaluationError, match="gtFine/test"):
        evaluate_official(results, tmp_path, "test")
