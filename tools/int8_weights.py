"""8-bit against 7-bit INT8 weights of one fp32 .onnx: saturation on x86 without VNNI, and agreement with fp32.

python tools/int8_weights.py model.onnx --calibration configs/lraspp_small_toy.py --eval-images 48 --threads 1
python tools/int8_weights.py large.onnx --calibration datasets/toy_cityscapes/leftImg8bit/train --time-size 512 1024 --threads 2

Quantizes the file twice as tools/export.py --int8 does (seg.export.quantize), once with full 8-bit weights and
once with the 7-bit weights the export uses (reduce_range), then prints for each: how many uint8 x int8 pair sums
of its 1x1 convolutions leave int16 on the calibration-free images (what ONNX Runtime's VPMADDUBSW kernels clamp
on AVX2 / AVX-512 without VNNI; seg.export.saturation) and its argmax agreement with fp32 on images the
calibration did not use, on this CPU; with --time-size, the median latency of fp32 and both INT8 files at that
size, interleaved (seg.bench.timing.time_interleaved). docs/deployment.md ("The same labels on every x86 CPU") has the figures.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from seg.cli import add_override_argument, add_threads_argument, run_tool, tool_parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("model", help="an fp32 .onnx written by tools/export.py (it carries its config)")
    parser.add_argument("--calibration", required=True, metavar="DIR_OR_CONFIG", help="as tools/export.py --int8")
    parser.add_argument("--calibration-images", type=int, default=32)
    parser.add_argument("--eval-images", type=int, default=50)
    parser.add_argument("--saturation-images", type=int, default=3, help="images the pair sums are computed on")
    add_threads_argument(parser)
    parser.add_argument("--time-size", nargs=2, type=int, metavar=("H", "W"), help="also time the three files")
    parser.add_argument("--iters", type=int, default=20, help="timed calls per file with --time-size")
    add_override_argument(parser)
    args = parser.parse_args(argv)
    from seg.data.samples import check_source

    check_source(args.calibration)
    if not Path(args.model).is_file():
        raise FileNotFoundError(2, "fp32 ONNX model does not exist", args.model)

    from seg.bench.accuracy import compare_predictions
    from seg.data.samples import calibration_images, evaluation_samples
    from seg.export.quantize import ImageCalibrationReader, quantize_int8
    from seg.export.saturation import pair_saturation
    from seg.inference.card import read_card
    from seg.runtimes.factory import load_predictor

    card = read_card(args.model, None, args.overrides)
    config = card.config
    fp32 = load_predictor(card, threads=args.threads)
    images = calibration_images(args.calibration, args.calibration_images, args.overrides)
    samples, where = evaluation_samples(Path(args.calibration), args.eval_images, args.overrides)
    batches = [fp32.preprocess(image).numpy() for image, _ in samples[: args.saturation_images]]
    print(f"calibration: {len(images)} images from {args.calibration}; agreement on {len(samples)} from {where}")
    print("| weights | pair sums beyond int16 | largest pair | agreement with fp32 | mIoU fp32 -> INT8 |")
    print("|---|---|---|---|---|")
    predictors = {"fp32": fp32}
    with tempfile.TemporaryDirectory() as tmp:
        for reduce_range in (False, True):
            path = Path(tmp) / f"reduce_range_{reduce_range}.int8.onnx"
            quantize_int8(args.model, path, ImageCalibrationReader(images, fp32.preprocess), reduce_range=reduce_range)
            int8 = load_predictor(dataclasses.replace(card, path=path), threads=args.threads)
            predictors["INT8 7-bit weights" if reduce_range else "INT8 8-bit weights"] = int8
            result = compare_predictions(fp32, int8, samples, config.data.ignore_index)
            saturation = pair_saturation(path, batches)
            miou = (
                f"{100 * result.miou_reference:.2f} -> {100 * result.miou_candidate:.2f}"
                if result.miou_reference is not None
                else "n/a (no labels)"
            )
            print(
                f"| {'7-bit (reduce_range, the export)' if reduce_range else '8-bit'} | {saturation.saturated:,} of "
                f"{saturation.pair_sums:,} ({100 * saturation.saturated / max(saturation.pair_sums, 1):.2f}%) | "
                f"{saturation.max_abs_pair:,} | {100 * result.agreement:.2f}% | {miou} |"
            )
        if args.time_size:
            _time(predictors, (args.time_size[0], args.time_size[1]), args.iters)
    return 0


def _time(predictors: dict, size: tuple[int, int], iters: int) -> None:
    import numpy as np

    from seg.bench.timing import time_interleaved

    image = np.random.default_rng(0).integers(0, 256, size=(*size, 3), dtype=np.uint8)
    batches = {name: predictor.preprocess(image) for name, predictor in predictors.items()}
    for name, predictor in predictors.items():
        predictor.infer(batches[name])  # warm-up
        predictor.infer(batches[name])
    calls = {name: (lambda p=p, b=batches[name]: p.infer(b)) for name, p in predictors.items()}
    times = time_interleaved(calls, iters)
    fp32_ms = float(np.median(times["fp32"]) * 1e3)
    print(f"latency at {size[0]}x{size[1]}, batch 1, median of {iters} interleaved calls:")
    for name, seconds in times.items():
        ms = float(np.median(seconds) * 1e3)
        print(f"  {name:<20} {ms:8.1f} ms  ({fp32_ms / ms:.2f}x fp32)")


if __name__ == "__main__":
    sys.exit(run_tool(main))
