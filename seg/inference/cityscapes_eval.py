"""Write predictions in the official Cityscapes result format and score them with the official script.

Result files are labelId PNGs named ``<city>_<seq>_<frame>_leftImg8bit.png``: cityscapesscripts'
``evalPixelLevelSemanticLabeling.getPrediction`` finds the prediction for
``<city>_<seq>_<frame>_gtFine_labelIds.png`` by searching the results folder recursively for
``<city>_<seq>_<frame>*.png``, and the test server uses the same rule. ``evaluate_official`` runs
that script's own functions, so its number is the official one, not a re-implementation.
"""

from __future__ import annotations

import contextlib
import glob
import io
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from seg.classes import CLASS_NAMES, TRAINID_TO_LABELID
from seg.errors import UserError


class OfficialEvaluationError(UserError):
    """The official evaluator stopped (missing or mismatched files); the message carries its reason."""


_CORE_NAME = re.compile(r"^(?P<city>[^_]+)_(?P<sequence>\d+)_(?P<frame>\d+)(?:_|\.|$)")


def result_file_name(image_path: str | Path) -> str:
    """``<city>_<seq>_<frame>_leftImg8bit.png`` for any Cityscapes file of that frame."""
    match = _CORE_NAME.match(Path(image_path).name)
    if match is None:
        raise ValueError(
            f"{image_path}: not a Cityscapes file name; expected <city>_<sequence>_<frame>_..., "
            "e.g. frankfurt_000000_000294_leftImg8bit.png."
        )
    return f"{match['city']}_{match['sequence']}_{match['frame']}_leftImg8bit.png"


def write_cityscapes_result(pred_trainids: np.ndarray, image_path: str | Path, out_dir: str | Path) -> Path:
    """Write a [H, W] trainId prediction as a labelId PNG in ``out_dir``; returns the file's path."""
    pred = np.asarray(pred_trainids)
    if pred.ndim != 2 or not np.issubdtype(pred.dtype, np.integer):
        raise ValueError(
            f"write_cityscapes_result: expected an integer [H, W] trainId map, got {pred.dtype} {pred.shape}."
        )
    num_classes = len(TRAINID_TO_LABELID)
    out_of_range = (pred < 0) | (pred >= num_classes)
    if out_of_range.any():
        raise ValueError(
            f"write_cityscapes_result: trainIds {np.unique(pred[out_of_range]).tolist()} for {image_path} are not "
            f"Cityscapes train classes (0..{num_classes - 1}); pass the arg-max of 19-class logits."
        )
    out_path = Path(out_dir) / result_file_name(image_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(TRAINID_TO_LABELID[pred.astype(np.int64)]).save(out_path)
    return out_path


def evaluate_official(
    results_dir: str | Path, cityscapes_root: str | Path, split: str = "val", verbose: bool = False
) -> dict[str, Any]:
    """Score ``results_dir`` with cityscapesscripts' evalPixelLevelSemanticLabeling.

    Ground truth is ``cityscapes_root/gtFine/<split>/*/*_gtFine_labelIds.png``. Returns
    ``{"miou": %, "per_class_iou": {class name: % or None}, "num_images": n}`` over the 19
    evaluated classes (None: the class is in neither prediction nor ground truth). Only the
    class-level IoU is computed (the instance-weighted iIoU is switched off, so instanceIds
    files are not needed). ``verbose`` prints the script's own tables (their nIoU column is
    then meaningless).
    """
    from cityscapesscripts.evaluation import evalPixelLevelSemanticLabeling as official

    results_dir, cityscapes_root = Path(results_dir), Path(cityscapes_root)
    if not results_dir.is_dir():
        raise OfficialEvaluationError(f"Results folder {results_dir} does not exist; write predictions there first.")
    search = str(cityscapes_root / "gtFine" / split / "*" / "*_gtFine_labelIds.png")
    ground_truth = sorted(glob.glob(search))
    if not ground_truth:
        raise OfficialEvaluationError(
            f"No ground truth matches {search}; point cityscapes_root at a Cityscapes tree with gtFine/{split}."
        )

    # The script keeps its settings in a module-level `args` object (and would read
    # CITYSCAPES_RESULTS only if args.predictionPath were unset). Set what we need, restore it all.
    saved = dict(vars(official.args))
    args = official.args
    args.cityscapesPath = str(cityscapes_root)
    args.groundTruthSearch = search
    args.predictionPath = str(results_dir)
    args.predictionWalk = None
    args.evalInstLevelScore = False
    args.evalPixelAccuracy = False
    args.JSONOutput = False
    args.quiet = not verbose
    args.colorized = False
    args.bold = args.nocol = ""
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log):
            predictions = [official.getPrediction(args, gt) for gt in ground_truth]
            result = official.evaluateImgLists(predictions, ground_truth, args)
    except SystemExit:
        # The script reports problems with printError(): a printed "ERROR: ..." then sys.exit.
        errors = [line for line in log.getvalue().splitlines() if "ERROR" in line]
        reason = errors[-1].strip() if errors else log.getvalue().strip()[-500:]
        raise OfficialEvaluationError(
            f"cityscapesscripts' evaluator stopped on {results_dir} vs {search}: {reason}"
        ) from None
    finally:
        vars(args).clear()
        vars(args).update(saved)
        if verbose:
            print(log.getvalue(), end="")

    per_class = {name: result["classScores"][name] for name in CLASS_NAMES}
    return {
        "miou": 100.0 * result["averageScoreClasses"],
        "per_class_iou": {name: None if math.isnan(iou) else 100.0 * iou for name, iou in per_class.items()},
        "num_images": len(ground_truth),
    }
