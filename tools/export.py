"""Export a model to ONNX, LiteRT (.tflite), ExecuTorch (.pte) or OpenVINO (.xml + .bin), verify it against
PyTorch, optionally INT8.

python tools/export.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt --output small.onnx \
    --input-size 128 256 --dynamic --int8 --calibration configs/lraspp_small_toy.py
python tools/export.py CKPT --format litert --output small.tflite --input-size 128 256 --int8 --calibration CONFIG
python tools/export.py CKPT --format executorch --output small.pte --input-size 256 512 --dynamic
python tools/export.py CKPT --format openvino --output small.xml --input-size 256 512 --dynamic --int8 --calibration CONFIG
python tools/export.py configs/lraspp_large_cityscapes.py --output random.onnx   # random weights

--format onnx (the default; tools/export_onnx.py is this tool with it): the dynamo exporter, ONNX Runtime.
--format litert: litert-torch, the LiteRT interpreter with XNNPACK; fixed input size (the converter folds the
decoder's resize targets into constants: --dynamic is refused); INT8 through ai-edge-quantizer (static int8
weights and activations, the decoder's classifiers and final resize kept in float). --format executorch:
torch.export and the XNNPACK partitioner; --dynamic gives H and W from 32 up to --input-size (ExecuTorch plans
memory for the largest shape); INT8 through PT2E with the XNNPACK quantizer. --format openvino: torch.export and
openvino.convert_model, an fp32 IR (.xml + .bin; --dynamic where torch.export keeps H and W symbolic); INT8
through NNCF's post-training quantization (OUTPUT.int8.xml). These formats need their extra
(pip install -e ".[litert]" / ".[executorch]" / ".[mobile]" / ".[openvino]") and keep their metadata in FILE.json
beside them.

A checkpoint rebuilds its own model from the config stored inside it (a config given before it must
describe the same network); a config alone exports random weights. The export stores the config in its
metadata, so tools/test.py, infer.py and video_demo.py run the .onnx file without a config either.

The graph maps normalised float images [N, 3, H, W] to logits at the input resolution (or, with
--labels, uint8 label maps [N, H, W]). The file's metadata carries the class names, their colours and the
input mean/std, so `load_predictor(read_card("model.onnx"))` labels correctly without the config. With --dynamic, batch, height and width are symbolic.
After export, ONNX Runtime is checked against eager PyTorch at the export size and, with --dynamic,
at two more sizes (one not divisible by 32): max |logit difference| <= 1e-3 and argmax agreement
>= 99.9%, or the tool exits with status 1. --int8 writes OUTPUT.int8.onnx (static QDQ quantization,
per-channel 7-bit weights, activation ranges by --calibration-method) and reports its precision per op, its agreement with fp32 and mIoU of both where
labels exist, on images the calibration did not use (a config's val split; for a folder, every other
file calibrates and the files between them are checked), and the speed ratio. Existing outputs are
refused unless --overwrite. docs/deployment.md has the details.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from seg.cli import (
    MODEL_HELP,
    add_input_size_argument,
    add_model_arguments,
    add_overwrite_argument,
    add_threads_argument,
    at_least,
    model_positionals,
    read_model_card,
    run_tool,
    tool_parser,
)
from seg.config import ConfigError
from seg.errors import ExportError
from seg.outputs import check_output_file
from seg.runtimes.backends import DEFAULT_OPSET, FORMATS, ONNX_CALIBRATION_METHODS, RUNTIME_SUFFIXES

if TYPE_CHECKING:
    from seg.config import Config
    from seg.export.job import Exported


def build_parser() -> argparse.ArgumentParser:
    parser = tool_parser(__doc__, usage="%(prog)s [CONFIG.py] [CHECKPOINT] --output OUT.onnx [options]")
    add_model_arguments(
        parser, "[CONFIG] [CHECKPOINT]", help=f"{MODEL_HELP} A config alone exports randomly initialised weights."
    )
    parser.add_argument("--format", choices=sorted(FORMATS), default="onnx", help="the file to write (default: onnx)")
    parser.add_argument("--output", required=True, help="the .onnx / .tflite / .pte / .xml file to write")
    add_overwrite_argument(parser)
    add_input_size_argument(parser, (512, 1024), "export size (default: 512 1024)", minimum=32)
    parser.add_argument("--dynamic", action="store_true", help="symbolic batch, height and width")
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET, help="ONNX opset (default: %(default)s)")
    parser.add_argument("--labels", action="store_true", help="end the graph in the argmax: uint8 label maps")
    parser.add_argument(
        "--low-res-logits",
        action="store_true",
        help="end the graph at the decoder's stride-8 logits, before the final resize: the Predictor's fast label "
        "maps then never build full-resolution logits (tools/infer.py, the video demo)",
    )
    parser.add_argument("--int8", action="store_true", help="also write OUTPUT.int8.onnx (static INT8, QDQ)")
    parser.add_argument(
        "--calibration",
        metavar="DIR_OR_CONFIG",
        help="INT8 calibration images: a folder, or a config (its train split; --set applies)",
    )
    parser.add_argument(
        "--calibration-images", type=at_least(1), default=32, help="images used to calibrate (default: %(default)s)"
    )
    parser.add_argument(
        "--calibration-method",
        choices=ONNX_CALIBRATION_METHODS,
        help="how ONNX INT8 sets activation ranges (default: percentile, the 99.999th of each tensor's histogram; "
        "docs/deployment.md#int8). The other formats' quantizers calibrate their own way",
    )
    parser.add_argument(
        "--eval-images",
        type=at_least(1),
        default=50,
        help="images for the INT8 agreement / mIoU check (default: %(default)s)",
    )
    add_threads_argument(parser, help="ONNX Runtime and PyTorch threads for the checks")
    parser.add_argument(
        "--check-size",
        nargs=2,
        type=at_least(32),
        action="append",
        default=[],
        metavar=("H", "W"),
        help="also verify at this size (repeatable; needs --dynamic)",
    )
    parser.add_argument("--no-verify", action="store_true", help="skip the parity check against PyTorch")
    return parser


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse option combinations that cannot work, and existing outputs, before anything is loaded."""
    if args.int8 and not args.calibration:
        raise ConfigError(
            "--int8 needs --calibration DIR_OR_CONFIG: a folder of images or a config whose dataset exists."
        )
    if args.int8 and args.labels:
        raise ConfigError("--int8 quantizes a logits graph; drop --labels (the Predictor applies the argmax).")
    if args.check_size and not args.dynamic:
        raise ConfigError("--check-size needs --dynamic: a fixed-size export only runs at --input-size.")
    suffix = RUNTIME_SUFFIXES[FORMATS[args.format]][0]
    if Path(args.output).suffix.lower() != suffix:
        raise ConfigError(
            f"--output {args.output} must end in {suffix} for --format {args.format} "
            f"(e.g. {Path(args.output).with_suffix(suffix)})."
        )
    if args.format != "onnx" and (args.labels or args.opset != DEFAULT_OPSET):
        raise ConfigError(f"--labels and --opset are ONNX options; --format {args.format} writes logits.")
    if args.calibration_method is not None and not (args.int8 and args.format == "onnx"):
        raise ConfigError(
            "--calibration-method sets ONNX INT8 calibration: it needs --int8 and --format onnx (the LiteRT, "
            "ExecuTorch and OpenVINO quantizers calibrate their own way)."
        )
    if args.format == "litert" and args.dynamic:
        raise ConfigError(
            "--format litert cannot carry a dynamic height and width: litert-torch folds the decoder's resize "
            "targets into constants, so the file runs only at --input-size (the Predictor resizes images to it). "
            "Drop --dynamic, or use --format executorch or onnx for dynamic sizes."
        )
    check_output_file(args.output, "--output", args.overwrite)
    if args.int8:
        from seg.data.samples import check_source
        from seg.export.job import int8_path

        check_output_file(int8_path(args.output), "--output (its INT8 file)", args.overwrite)
        check_source(args.calibration)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_intermixed_args(argv)  # options may come between the positionals
    # nargs="+": a config, a checkpoint or both.
    config_path, rest = model_positionals(parser, args.items, 0, 1, "[CONFIG.py] [CHECKPOINT] (at least one of them)")
    check_arguments(args)

    from seg.export.job import ExportRequest, export_model, verify_export  # heavy imports after the checks

    card = read_model_card(rest[0] if rest else None, config_path, args.overrides, args.allow_model_mismatch)
    if card.runtime == "torch" and card.state_dict is None:
        print("note: no checkpoint given; exporting randomly initialised weights")
    request = ExportRequest(
        args.format, Path(args.output), args.input_size, args.dynamic, args.opset, args.labels, args.low_res_logits
    )
    exported = export_model(card, request)
    print(f"exported {exported.path} ({exported.describe()})")
    if not args.no_verify:
        results = verify_export(exported, [tuple(size) for size in args.check_size], args.threads)
        onnx = args.format == "onnx"
        print(
            "ONNX Runtime vs PyTorch (eager, BatchNorm not folded):" if onnx else f"{args.format} vs PyTorch (eager):"
        )
        for result in results:
            print(f"  {result.line()}  {'ok' if result.ok() else 'FAILED'}")
        if not all(result.ok() for result in results):
            tolerance = "logits 1e-3 abs, argmax agreement 99.9%" if onnx else "1e-3, 99.9%"
            advice = f" Re-export with --opset {DEFAULT_OPSET} or report the failing size." if onnx else ""
            raise ExportError(f"{exported.path} does not match PyTorch beyond tolerance ({tolerance}).{advice}")
    if args.int8:
        quantize(args, card.config, exported)
    return 0


def quantize(args: argparse.Namespace, config: Config, exported: Exported) -> None:
    """--int8: the INT8 file (seg.export.job), then its agreement with the float one (and, for ONNX, the speed
    ratio) on images the calibration did not use (seg.bench.accuracy)."""
    from seg.bench.accuracy import compare_predictions, speed_ratio
    from seg.data.samples import calibration_images, evaluation_samples
    from seg.export.job import quantize_export

    skipped: list[str] = []
    images = calibration_images(args.calibration, args.calibration_images, args.overrides, skipped)
    which = "its train split" if Path(args.calibration).suffix == ".py" else "every other file, from the first"
    print(f"calibrating on {len(images)} images from {args.calibration} ({which}) ...")
    result = quantize_export(exported, images, args.threads, args.calibration_method or ONNX_CALIBRATION_METHODS[0])
    print(f"wrote {result.path}")
    if result.summary is not None:
        print(f"  activation ranges: {args.calibration_method or ONNX_CALIBRATION_METHODS[0]} calibration")
        summary = result.summary
        print("  rewrites into int8-capable ops: " + ", ".join(f"{k} x{v}" for k, v in summary.rewrites.items()))
        print(
            "  kept in float on purpose (decoder classifiers, their sum, the final resize): "
            f"{len(summary.kept_float)} nodes"
        )
        print("  ONNX Runtime int8 kernels: " + ", ".join(f"{k} x{v}" for k, v in sorted(summary.int8_ops.items())))
        print(
            "  float data ops left: " + (", ".join(f"{k} x{v}" for k, v in sorted(summary.float_ops.items())) or "none")
        )
    samples, where = evaluation_samples(Path(args.calibration), args.eval_images, args.overrides, skipped)
    for line in skipped:
        print(f"note: skipped an image that cannot be read: {line}", file=sys.stderr)
    agreement = compare_predictions(result.fp32, result.int8, samples, config.data.ignore_index)
    print(f"INT8 vs fp32 on {agreement.images} images from {where}: argmax agreement {100 * agreement.agreement:.2f}%")
    if agreement.miou_reference is not None:
        print(f"  mIoU fp32 {100 * agreement.miou_reference:.2f}, INT8 {100 * agreement.miou_candidate:.2f}")
    if args.format == "onnx":  # the mobile runtimes' INT8 speed is measured on the device (tools/benchmark.py)
        size = result.fp32.input_size or exported.request.input_size
        fp32_ms, int8_ms = speed_ratio(result.fp32, result.int8, size)
        print(
            f"  latency at {size[0]}x{size[1]}, batch 1: fp32 {fp32_ms:.1f} ms, INT8 {int8_ms:.1f} ms "
            f"({fp32_ms / int8_ms:.2f}x)"
        )


if __name__ == "__main__":
    sys.exit(run_tool(main))
