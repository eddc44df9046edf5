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

import dataclasses
import json
import sys
from collections.abc import Sequence

from seg.cli import (
    add_model_arguments,
    add_overwrite_argument,
    add_report_arguments,
    check_report_outputs,
    model_positionals,
    read_model_card,
    require_inputs,
    run_tool,
    tool_parser,
    write_report,
)
from seg.config import EVAL_MODES, ConfigError
from seg.outputs import check_output_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__, usage="%(prog)s [CONFIG.py] MODEL [options]")
    add_model_arguments(parser)
    parser.add_argument("--mode", choices=EVAL_MODES, help="inference mode (default: the config's eval.mode)")
    parser.add_argument("--flip", action="store_true", help="also average over horizontally flipped inputs")
    parser.add_argument("--scales", nargs="+", type=float, metavar="S", help="multi-scale inference, e.g. 0.75 1 1.25")
    add_report_arguments(parser, json="write mIoU, per-class IoU, pixel accuracy and mode to OUT", metavar="OUT")
    parser.add_argument("--cityscapes-results", metavar="DIR", help="write labelId PNGs for the official evaluator")
    add_overwrite_argument(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_intermixed_args(argv)  # options may come between the positionals
    config_path, (checkpoint,) = model_positionals(parser, args.items, 1, 1, "[CONFIG.py] MODEL")
    require_inputs((config_path, "config"), (checkpoint, "model"))
    check_report_outputs(args)
    if args.cityscapes_results:
        check_output_dir(args.cityscapes_results, "--cityscapes-results", args.overwrite)
    from seg.inference.evaluate import default_device, evaluate, metrics_report
    from seg.inference.metrics import format_scores_table
    from seg.runtimes.factory import load_predictor

    card = read_model_card(checkpoint, config_path, args.overrides, args.allow_model_mismatch)
    config = card.config
    if config is None:
        raise ConfigError(f"{checkpoint} stores no config; pass the config it was exported from before it.")
    changes = {}
    if args.mode is not None:
        changes["mode"] = args.mode
    if args.flip:
        changes["flip"] = True
    if args.scales:
        changes["scales"] = tuple(args.scales)
    config = dataclasses.replace(config, eval=dataclasses.replace(config.eval, **changes))
    # A checkpoint is scored as the exact trained network (PyTorch, BatchNorm as trained); an export on its runtime.
    exact = {"backend": "torch", "fold_bn": False, "device": default_device()} if card.runtime == "torch" else {}
    model = load_predictor(card, eval=config.eval, **exact)
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
        write_report(args.json, json.dumps(report, indent=2) + "\n")
    if args.cityscapes_results:
        print(f"Cityscapes result PNGs (labelIds) in {args.cityscapes_results}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
