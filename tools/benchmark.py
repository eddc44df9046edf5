"""Latency of configs across backends, input sizes and output strides, with torchvision reference rows.

python tools/benchmark.py configs/lraspp_large_cityscapes.py --input-size 512 1024 1024 2048 \
    --output-strides 8 16 32 --threads 2 --json bench.json --markdown bench.md --plot bench.png
python tools/benchmark.py configs/lraspp_large_cityscapes.py configs/lraspp_large_cityscapes.py@model.pool=global \
    --backends torch-channels-last onnxruntime onnxruntime-int8 --references stock matched
python tools/benchmark.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt --input-size 256 512 --threads 2

Each MODEL is a config file or a checkpoint (its stored config and its weights); MODEL@key=value,key=value
adds overrides to one of them (--set applies to every one). Existing --json/--markdown/--plot files are
refused unless --overwrite, and every output is checked before the first measurement.

Every row is timed in the same interleaved loop as the reference rows: torchvision's
lraspp_mobilenet_v3_large (weights=None, num_classes=19) in eager PyTorch ("stock"), and optionally
torchvision's LR-ASPP built with the first config's RF2 and output stride ("matched"); with the
onnxruntime backend the references are also exported and run on ONNX Runtime. Weights are random
(speed does not depend on them) unless a checkpoint is given; INT8 calibrates on --calibration images
or on random images.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import (
    add_input_size_argument,
    add_override_argument,
    add_overwrite_argument,
    add_report_arguments,
    add_threads_argument,
    at_least,
    check_report_outputs,
    positive_int,
    run_tool,
    tool_parser,
    write_report,
)
from seg.config import ConfigError
from seg.runtimes.backends import BACKENDS, REFERENCES


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument(
        "configs",
        nargs="+",
        metavar="MODEL",
        help="config files or checkpoints (their stored config; MODEL@key=value,... for overrides)",
    )
    add_override_argument(parser)
    add_input_size_argument(parser, (512, 1024), minimum=32, pairs=True)
    parser.add_argument(
        "--output-strides", nargs="+", type=int, help="sweep model.output_stride (default: each config's own)"
    )
    parser.add_argument(
        "--backends",
        nargs="+",
        default=["torch", "torch-channels-last", "onnxruntime", "onnxruntime-int8"],
        choices=BACKENDS,
    )
    parser.add_argument(
        "--references", nargs="*", default=["stock"], choices=REFERENCES, help="torchvision reference rows"
    )
    add_threads_argument(parser, help="intra-op threads for PyTorch and ONNX Runtime (default: all cores)")
    parser.add_argument("--batch", type=positive_int, default=1)
    parser.add_argument("--warmup", type=at_least(0), default=3)
    parser.add_argument("--iters", type=positive_int, default=10)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (PyTorch backends; ONNX Runtime runs on the CPU)")
    parser.add_argument(
        "--calibration", metavar="DIR_OR_CONFIG", help="INT8 calibration images (default: random images)"
    )
    add_report_arguments(
        parser,
        json="write the report as JSON",
        markdown="write the report as a markdown table",
        plot="write a PNG of latency against output stride and input size",
    )
    parser.add_argument(
        "--profile", action="store_true", help="add ONNX Runtime's per-op-type kernel times to ONNX rows"
    )
    parser.add_argument(
        "--peak",
        action="store_true",
        help="measure this machine's fp32 / bf16 / INT8 GEMM rates (seg.bench.peak) for the '%% of peak' column",
    )
    parser.add_argument(
        "--agreement-images",
        type=int,
        default=0,
        metavar="N",
        help="judge every INT8 / bf16 row against its fp32 row on N images --calibration did not use",
    )
    parser.add_argument(
        "--label-maps",
        action="store_true",
        help="also time image in, label map out (Predictor.predict) for every row, beside the network latency",
    )
    parser.add_argument(
        "--low-res-logits",
        action="store_true",
        help="end every model's network at the decoder's stride-8 logits (the fast label maps: no final resize)",
    )
    add_overwrite_argument(parser)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if args.device != "cpu" and any(BACKENDS[b].runtime != "torch" for b in args.backends):
        raise ConfigError(
            f"--device {args.device}: the onnxruntime, LiteRT and ExecuTorch backends run on the CPU here; benchmark "
            "them with --device cpu."
        )
    sizes = args.input_size
    check_report_outputs(args)
    # Heavy imports after the arguments and outputs are checked.
    from seg.bench.report import benchmark_markdown, plot_benchmark
    from seg.bench.sweep import parse_entries, run_sweep, with_distinct_names
    from seg.data.samples import calibration_images, check_source

    if args.agreement_images and not args.calibration:
        raise ConfigError("--agreement-images needs --calibration DIR_OR_CONFIG (the held-out images come from it).")
    if args.calibration:
        check_source(args.calibration)
    entries = with_distinct_names(parse_entries(args.configs, args.overrides))
    calibration = calibration_images(args.calibration, 16) if args.calibration else None
    held_out = None
    if args.agreement_images:
        from seg.data.samples import evaluation_samples

        held_out, _ = evaluation_samples(Path(args.calibration), args.agreement_images)
    report = run_sweep(
        entries,
        sizes,
        args.backends,
        output_strides=args.output_strides or [None],
        references=args.references,
        threads=args.threads,
        batch=args.batch,
        warmup=args.warmup,
        iters=args.iters,
        device=args.device,
        calibration=calibration,
        progress=not args.no_progress,
        profile=args.profile,
        agreement_samples=held_out,
        label_maps=args.label_maps,
        low_res_logits=args.low_res_logits,
    )
    from seg.bench.peak import add_peak_columns, measure_peaks, peak_by_precision, peaks_report

    rates = measure_peaks(args.threads) if args.peak else []
    report["peaks"] = peaks_report(rates)
    add_peak_columns(report["rows"], peak_by_precision(rates))
    command = "python tools/benchmark.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    report["command"] = command
    markdown = benchmark_markdown(report, command)
    print(markdown)
    if args.json:
        write_report(args.json, json.dumps(report, indent=2) + "\n")
    if args.markdown:
        write_report(args.markdown, markdown)
    if args.plot:
        plot_benchmark(report, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
