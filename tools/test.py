"""Evaluate a checkpoint (or an exported model) on the validation split: per-class IoU, mIoU, pixel
accuracy, inference mode.

python tools/test.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt   # the config stored in the checkpoint
python tools/test.py configs/lraspp_small_toy.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt
python tools/test.py small.onnx      # the export, through the same Predictor
python tools/test.py CKPT --mode slide --set eval.crop_size=(769,769) eval.stride=(513,513) --flip
python tools/test.py CKPT --json scores.json --cityscapes-results results/

A checkpoint (or an export) rebuilds its own model from the config stored inside it; a config file
given before it must describe the same network (model fields that differ are listed, and a
difference that changes the network is an error unless --allow-model-mismatch).

--cityscapes-results writes one labelId PNG per image, named as the official evaluator and the test
server expect; `CITYSCAPES_DATASET=ROOT CITYSCAPES_RESULTS=DIR csEvalPixelLevelSemanticLabeling` scores it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import (
    MODEL_HELP,
    add_model_mismatch_argument,
    add_override_argument,
    add_overwrite_argument,
    require_inputs,
    run_tool,
    split_config,
)
from seg.config import EVAL_MODES
from seg.outputs import check_output_dir, check_output_file


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        usage="%(prog)s [CONFIG.py] MODEL [options]",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", nargs="+", metavar="[CONFIG] MODEL", help=MODEL_HELP)
    add_override_argument(parser)
    add_model_mismatch_argument(parser)
    parser.add_argument("--mode", choices=EVAL_MODES, help="inference mode (default: the config's eval.mode)")
    parser.add_argument("--flip", action="store_true", help="also average over horizontally flipped inputs")
    parser.add_argument("--scales", nargs="+", type=float, metavar="S", help="multi-scale inference, e.g. 0.75 1 1.25")
    parser.add_argument("--json", metavar="OUT", help="write mIoU, per-class IoU, pixel accuracy and mode to OUT")
    parser.add_argument("--cityscapes-results", metavar="DIR", help="write labelId PNGs for the official evaluator")
    add_overwrite_argument(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_intermixed_args(argv)  # options may come between the positionals
    config_path, rest = split_config(args.model)
    if len(rest) != 1:
        parser.error(f"expected [CONFIG.py] MODEL, got {' '.join(args.model)}")
    checkpoint = rest[0]
    require_inputs((config_path, "config"), (checkpoint, "model"))
    if args.json:
        check_output_file(args.json, "--json", args.overwrite)
    if args.cityscapes_results:
        check_output_dir(args.cityscapes_results, "--cityscapes-results", args.overwrite)
    from seg.deploy.runtime import load_predictor, resolve_config, runtime_of  # heavy imports after the arguments
    from seg.engine.evaluate import evaluate, metrics_report
    from seg.engine.metrics import format_scores_table

    config, notes = resolve_config(config_path, checkpoint, args.overrides, args.allow_model_mismatch)
    for note in notes:
        print(note, file=sys.stderr)
    changes = {}
    if args.mode is not None:
        changes["mode"] = args.mode
    if args.flip:
        changes["flip"] = True
    if args.scales:
        changes["scales"] = tuple(args.scales)
    config = dataclasses.replace(config, eval=dataclasses.replace(config.eval, **changes))

    # A checkpoint runs as trained (PyTorch, BatchNorm unfolded); an exported file on its own runtime.
    model = checkpoint
    if runtime_of(model) != "torch":
        model = load_predictor(config, model, eval=config.eval)
    result = evaluate(config, model, results_dir=args.cityscapes_results, progress=not args.no_progress)
    print(format_scores_table(result.scores, result.class_names, inference=result.inference))
    report = metrics_report(
        result.scores,
        result.class_names,
        result.inference,
        checkpoint=str(checkpoint),
        split=config.data.val_split,
        num_images=result.num_images,
    )
    miou = "n/a" if report["mIoU"] is None else f"{report['mIoU']:.2f}%"
    print(f"mIoU {miou} on {config.data.val_split} ({result.num_images} images; {result.inference})")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    if args.cityscapes_results:
        print(f"Cityscapes result PNGs (labelIds) in {args.cityscapes_results}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
