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
per-channel weights) and reports its precision per op, its agreement with fp32 and mIoU of both where
labels exist, on images the calibration did not use (a config's val split; for a folder, every other
file calibrates and the files between them are checked), and the speed ratio. Existing outputs are
refused unless --overwrite. docs/deployment.md has the details.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import (
    MODEL_HELP,
    add_model_mismatch_argument,
    add_override_argument,
    add_overwrite_argument,
    run_tool,
    split_config,
)
from seg.config import ConfigError
from seg.outputs import check_output_file
from seg.runtimes.backends import DEFAULT_OPSET, FORMATS, RUNTIME_SUFFIXES


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        usage="%(prog)s [CONFIG.py] [CHECKPOINT] --output OUT.onnx [options]",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "model",
        nargs="+",
        metavar="[CONFIG] [CHECKPOINT]",
        help=f"{MODEL_HELP} A config alone exports randomly initialised weights.",
    )
    parser.add_argument("--format", choices=sorted(FORMATS), default="onnx", help="the file to write (default: onnx)")
    parser.add_argument("--output", required=True, help="the .onnx / .tflite / .pte / .xml file to write")
    add_overwrite_argument(parser)
    add_override_argument(parser)
    add_model_mismatch_argument(parser)
    parser.add_argument(
        "--input-size",
        nargs=2,
        type=int,
        default=(512, 1024),
        metavar=("H", "W"),
        help="export size (default: 512 1024)",
    )
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
        "--calibration-images", type=int, default=32, help="images used to calibrate (default: %(default)s)"
    )
    parser.add_argument(
        "--eval-images", type=int, default=50, help="images for the INT8 agreement / mIoU check (default: %(default)s)"
    )
    parser.add_argument("--threads", type=int, help="ONNX Runtime and PyTorch threads for the checks")
    parser.add_argument(
        "--check-size",
        nargs=2,
        type=int,
        action="append",
        default=[],
        metavar=("H", "W"),
        help="also verify at this size (repeatable; needs --dynamic)",
    )
    parser.add_argument("--no-verify", action="store_true", help="skip the ONNX Runtime parity check")
    args = parser.parse_intermixed_args(argv)  # options may come between the positionals
    if args.int8 and not args.calibration:
        raise ConfigError(
            "--int8 needs --calibration DIR_OR_CONFIG: a folder of images or a config whose dataset exists."
        )
    if args.int8 and args.labels:
        raise ConfigError("--int8 quantizes a logits graph; drop --labels (the Predictor applies the argmax).")
    if args.check_size and not args.dynamic:
        raise ConfigError("--check-size needs --dynamic: a fixed-size export only runs at --input-size.")
    if min(args.input_size) < 32:
        raise ConfigError(f"--input-size {args.input_size[0]} {args.input_size[1]} is too small; use at least 32 32.")
    config_path, rest = split_config(args.model)
    if len(rest) > 1 or (config_path is None and not rest):
        parser.error(f"expected [CONFIG.py] [CHECKPOINT] (at least one of them), got {' '.join(args.model)}")
    checkpoint = rest[0] if rest else None
    runtime = FORMATS[args.format]
    suffix = RUNTIME_SUFFIXES[runtime][0]
    if Path(args.output).suffix.lower() != suffix:
        raise ConfigError(
            f"--output {args.output} must end in {suffix} for --format {args.format} "
            f"(e.g. {Path(args.output).with_suffix(suffix)})."
        )
    if args.format != "onnx" and (args.labels or args.opset != DEFAULT_OPSET):
        raise ConfigError(f"--labels and --opset are ONNX options; --format {args.format} writes logits.")
    if args.format == "litert" and args.dynamic:
        raise ConfigError(
            "--format litert cannot carry a dynamic height and width: litert-torch folds the decoder's resize "
            "targets into constants, so the file runs only at --input-size (the Predictor resizes images to it). "
            "Drop --dynamic, or use --format executorch or onnx for dynamic sizes."
        )
    check_output_file(args.output, "--output", args.overwrite)
    if args.int8:
        check_output_file(int8_path(args.output), "--output (its INT8 file)", args.overwrite)
        from seg.data.samples import check_source

        check_source(args.calibration)

    # Heavy imports after the arguments and outputs are checked.
    from seg.errors import ExportError
    from seg.export.onnx import export_onnx
    from seg.export.verify import verification_shapes, verify_onnx
    from seg.inference.card import read_card
    from seg.models import build_model
    from seg.models.checkpoint import load_state

    card = read_card(checkpoint, config_path, args.overrides, args.allow_model_mismatch)
    for note in card.notes:
        print(note, file=sys.stderr)
    if card.runtime != "torch":
        raise ConfigError(f"{checkpoint} is an export already; export from the checkpoint it was made from.")
    config = card.config
    model = build_model(config.model)
    if card.state_dict is not None:
        load_state(model, card.state_dict, checkpoint, config)
    else:
        print("note: no checkpoint given; exporting randomly initialised weights")
    input_size = (args.input_size[0], args.input_size[1])
    # Class names, colours, input statistics, the fixed size and the whole config: the export rebuilds its card alone.
    metadata = dataclasses.replace(card, input_size=None if args.dynamic else input_size).metadata()
    if args.low_res_logits:
        from seg.inference.labelmap import LowResolutionLogits

        model = LowResolutionLogits(model)
    if args.format != "onnx":
        return export_mobile(args, card, model, input_size, metadata)
    try:
        output = export_onnx(
            model, args.output, input_size, args.dynamic, args.opset, labels=args.labels, metadata=metadata
        )
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    axes = "dynamic batch, height and width" if args.dynamic else f"fixed 1x3x{input_size[0]}x{input_size[1]}"
    print(f"exported {output} ({axes}, opset {args.opset}, {'label maps' if args.labels else 'logits'})")

    if not args.no_verify:
        shapes = verification_shapes(input_size, args.dynamic) + [(1, (h, w)) for h, w in args.check_size]
        results = verify_onnx(model, output, shapes, threads=args.threads)
        print("ONNX Runtime vs PyTorch (eager, BatchNorm not folded):")
        for result in results:
            print(f"  {result.line()}  {'ok' if result.ok() else 'FAILED'}")
        if not all(result.ok() for result in results):
            message = f"{output} does not match PyTorch beyond tolerance (logits 1e-3 abs, argmax agreement 99.9%)."
            print(
                f"error: {message} Re-export with --opset {DEFAULT_OPSET} or report the failing size.", file=sys.stderr
            )
            return 1

    if args.int8:
        quantize(args, config, output, input_size)
    return 0


def quantize(args: argparse.Namespace, config, output: Path, input_size: tuple[int, int]) -> None:
    from seg.bench.accuracy import compare_predictions, speed_ratio
    from seg.data.samples import calibration_images, evaluation_samples
    from seg.export.quantize import ImageCalibrationReader, quantize_int8
    from seg.inference.card import read_card
    from seg.runtimes.factory import load_predictor

    int8_file = int8_path(output)
    fp32 = load_predictor(read_card(output), input_size=input_size if not args.dynamic else None, threads=args.threads)
    skipped: list[str] = []
    images = calibration_images(args.calibration, args.calibration_images, args.overrides, skipped)
    source = Path(args.calibration)
    which = "its train split" if source.suffix == ".py" else "every other file, from the first"
    print(f"calibrating on {len(images)} images from {args.calibration} ({which}) ...")
    summary = quantize_int8(output, int8_file, ImageCalibrationReader(images, fp32.preprocess))
    print(f"wrote {int8_file}")
    print("  rewrites into int8-capable ops: " + ", ".join(f"{k} x{v}" for k, v in summary.rewrites.items()))
    print(
        f"  kept in float on purpose (decoder classifiers, their sum, the final resize): {len(summary.kept_float)} nodes"
    )
    print("  ONNX Runtime int8 kernels: " + ", ".join(f"{k} x{v}" for k, v in sorted(summary.int8_ops.items())))
    print("  float data ops left: " + (", ".join(f"{k} x{v}" for k, v in sorted(summary.float_ops.items())) or "none"))

    int8 = load_predictor(read_card(int8_file), input_size=fp32.input_size, threads=args.threads)
    samples, where = evaluation_samples(source, args.eval_images, args.overrides, skipped)
    for line in skipped:
        print(f"note: skipped an image that cannot be read: {line}", file=sys.stderr)
    result = compare_predictions(fp32, int8, samples, config.data.ignore_index)
    print(f"INT8 vs fp32 on {result.images} images from {where}: argmax agreement {100 * result.agreement:.2f}%")
    if result.miou_reference is not None:
        print(f"  mIoU fp32 {100 * result.miou_reference:.2f}, INT8 {100 * result.miou_candidate:.2f}")
    size = fp32.input_size or input_size
    fp32_ms, int8_ms = speed_ratio(fp32, int8, size)
    print(
        f"  latency at {size[0]}x{size[1]}, batch 1: fp32 {fp32_ms:.1f} ms, INT8 {int8_ms:.1f} ms ({fp32_ms / int8_ms:.2f}x)"
    )


def int8_path(output: str | Path) -> Path:
    """Where --int8 writes: OUTPUT.int8.onnx / .int8.tflite / .int8.pte beside the float file."""
    output = Path(output)
    return output.with_name(f"{output.stem}.int8{output.suffix}")


def export_mobile(args: argparse.Namespace, card, model, input_size: tuple[int, int], metadata: dict) -> int:
    """--format litert / executorch: export, metadata beside the file, parity with PyTorch, optional INT8."""
    from seg.errors import ExportError
    from seg.export.metadata import write_metadata
    from seg.export.verify import verification_shapes
    from seg.inference.card import read_card
    from seg.runtimes.factory import file_runner, load_predictor

    config = card.config
    runtime = FORMATS[args.format]
    try:
        exporter = _mobile_exporter(args.format)
        output = exporter(model, args.output, input_size, args.dynamic, None)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    write_metadata(output, metadata)
    axes = (
        f"H and W up to {input_size[0]}x{input_size[1]}" if args.dynamic else f"fixed {input_size[0]}x{input_size[1]}"
    )
    if args.dynamic and args.format == "openvino":
        axes = "dynamic batch, height and width"
    print(f"exported {output} ({args.format}, {axes}; metadata in {output.name}.json)")
    if not args.no_verify:
        from seg.export.verify import verify_runner

        shapes = (
            [(1, input_size)]
            if not args.dynamic
            else verification_shapes(input_size, True)[:1]
            + [(1, (max(32, input_size[0] * 3 // 4) | 1, max(32, input_size[1] * 3 // 4) | 1))]
        )
        results = verify_runner(model, file_runner(runtime, output, args.threads), shapes, str(output))
        print(f"{args.format} vs PyTorch (eager):")
        for result in results:
            print(f"  {result.line()}  {'ok' if result.ok() else 'FAILED'}")
        if not all(result.ok() for result in results):
            print(f"error: {output} does not match PyTorch beyond tolerance (1e-3, 99.9%).", file=sys.stderr)
            return 1
    if args.int8:
        from seg.bench.accuracy import compare_predictions
        from seg.data.samples import calibration_images, evaluation_samples

        fp32 = load_predictor(read_card(output), threads=args.threads)
        skipped: list[str] = []
        images = calibration_images(args.calibration, args.calibration_images, args.overrides, skipped)
        batches = [fp32.preprocess(image).numpy() for image in images]
        print(f"calibrating on {len(batches)} images from {args.calibration} ...")
        target = int8_path(output)
        if args.format == "litert":
            from seg.export.litert import quantize_litert_int8

            quantize_litert_int8(output, target, batches)
        elif args.format == "openvino":
            from seg.export.openvino import quantize_openvino_int8

            quantize_openvino_int8(output, target, batches)
        else:
            exporter(model, target, input_size, args.dynamic, batches)
        write_metadata(target, metadata)
        int8 = load_predictor(read_card(target), threads=args.threads)
        samples, where = evaluation_samples(Path(args.calibration), args.eval_images, args.overrides, skipped)
        result = compare_predictions(fp32, int8, samples, config.data.ignore_index)
        print(f"wrote {target}")
        print(f"INT8 vs fp32 on {result.images} images from {where}: argmax agreement {100 * result.agreement:.2f}%")
        if result.miou_reference is not None:
            print(f"  mIoU fp32 {100 * result.miou_reference:.2f}, INT8 {100 * result.miou_candidate:.2f}")
    return 0


def _mobile_exporter(format: str):
    """(model, path, input_size, dynamic, calibration batches or None) -> path, for --format litert / executorch /
    openvino."""
    try:
        if format == "openvino":
            import openvino  # noqa: F401 - the extra; seg.export.openvino imports it lazily

            from seg.export.openvino import export_openvino

            return lambda model, path, size, dynamic, calibration: export_openvino(model, path, size, dynamic=dynamic)
        if format == "litert":
            from seg.export.litert import export_litert

            return lambda model, path, size, dynamic, calibration: export_litert(model, path, size, dynamic=dynamic)
        from seg.export.executorch import export_executorch

        return lambda model, path, size, dynamic, calibration: export_executorch(
            model, path, size, dynamic=dynamic, calibration=calibration
        )
    except ImportError as error:
        raise ConfigError(
            f"--format {format} needs its runtime, which is not installed ({error}); "
            f'install it with pip install -e ".[{format}]".'
        ) from None


if __name__ == "__main__":
    sys.exit(run_tool(main))
