"""Segment a video, a folder of frames or a camera and write the Cityscapes-palette overlay video.

    python tools/video_demo.py model.onnx street.mp4 --output out.mp4
    python tools/video_demo.py best.ckpt frames/ --side-by-side --smooth 0.6 --legend beside
    python tools/video_demo.py configs/lraspp_small_cityscapes.py best.ckpt 0 --show --max-frames 300
    python tools/video_demo.py configs/lraspp_small_cityscapes.py random street.mp4   # untrained, for timing

A checkpoint or export rebuilds its own model from the config stored inside it; a config file before
it must describe the same network (--allow-model-mismatch to run it otherwise); 'random' weights need one.

The output keeps the input's frame size and frame rate (a folder of frames has none: --fps, 30 by
default); with --side-by-side it is twice as wide, and a legend strip (--legend beside or below) makes
it wider or taller. The legend lists the classes present in class-id order, the same order on every
frame (at most a few rows inside the frame; --legend none for no legend). Decoding, preprocessing, inference,
postprocessing, drawing and encoding run in overlapping threads. The report at the end gives
frames read and written, model FPS (time inside Predictor.infer), end-to-end FPS, the flicker
(mean fraction of pixels whose label changes between frames) and where and why it stopped.
Ctrl-C stops reading and finishes the output with the frames done so far.

Exit status: 0 the whole input was processed; 2 a bad argument, config, checkpoint, input or
output (one message on stderr, nothing written; an existing output is refused unless --overwrite,
and an output that cannot be created is told apart from a missing codec); 1 a failure during the run (the output keeps the
frames finished before it); 3 the input ended early (truncated or corrupt file, lost camera) and
the output holds what could be read; 130 interrupted by Ctrl-C, the output holds the frames done.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import (
    EXIT_INCOMPLETE,
    MODEL_HELP,
    add_exact_labels_argument,
    add_input_size_argument,
    add_model_arguments,
    add_overwrite_argument,
    add_threads_argument,
    model_positionals,
    positive_int,
    read_model_card,
    run_tool,
    tool_parser,
)
from seg.data.render import LEGEND_PLACEMENTS
from seg.errors import Failure, UserError
from seg.outputs import check_output_file
from seg.runtimes.backends import BACKENDS, choose_backend

EXIT_INTERRUPTED = 130


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = tool_parser(__doc__, usage="%(prog)s [CONFIG.py] MODEL|random INPUT [options]")
    add_model_arguments(
        parser,
        "[CONFIG] MODEL INPUT",
        help=f"{MODEL_HELP} MODEL may be 'random' (untrained weights, same speed; needs a CONFIG). INPUT: a video "
        "file, a folder of frames (sorted by name) or a camera index such as 0.",
    )
    parser.add_argument(
        "--output",
        help="output video (default work_dirs/video/<input name>_seg.mp4); if the .mp4 codec is "
        "missing it falls back to .avi and says so",
    )
    parser.add_argument(
        "--backend",
        choices=[name for name, backend in BACKENDS.items() if not backend.int8],
        help="default: onnxruntime for .onnx weights, else torch-channels-last",
    )
    add_input_size_argument(parser, help="network input size (default: the frame size)")
    add_overwrite_argument(parser)
    parser.add_argument(
        "--legend",
        choices=LEGEND_PLACEMENTS,
        default="inside",
        help="the classes present, in class-id order: inside the frame (a few rows, top right; default), in a strip "
        "beside or below it (a larger video), or none",
    )
    parser.add_argument("--opacity", type=float, default=0.5, help="overlay opacity in [0, 1] (default 0.5)")
    parser.add_argument(
        "--side-by-side", action="store_true", help="original left, segmentation right: the output is twice as wide"
    )
    parser.add_argument(
        "--smooth",
        type=float,
        default=0.0,
        metavar="ALPHA",
        help="temporal smoothing: p_t = ALPHA * p_(t-1) + (1 - ALPHA) * softmax_t, ALPHA in [0, 1); 0 = off (default)",
    )
    parser.add_argument("--max-frames", type=positive_int, metavar="N", help="stop after N frames")
    parser.add_argument(
        "--fps",
        type=float,
        default=30.0,
        help="frame rate of a folder of frames, and of a camera or file that states none (default 30)",
    )
    parser.add_argument("--show", action="store_true", help="also show the frames in a window when a display exists")
    default_threads = max(1, (os.cpu_count() or 2) - 1)
    add_exact_labels_argument(parser)
    add_threads_argument(
        parser,
        default_threads,
        help=f"inference threads (default {default_threads}: "
        "all cores but one, which is left to decoding, drawing and encoding)",
    )
    args = parser.parse_intermixed_args(argv)  # options may come between the positionals
    args.config, (args.weights, args.input) = model_positionals(parser, args.items, 2, 2, "[CONFIG.py] MODEL INPUT")
    if args.weights == "random" and args.config is None:
        parser.error("'random' weights need a config first: CONFIG.py random INPUT")
    if not 0.0 <= args.opacity <= 1.0:
        parser.error(f"--opacity {args.opacity} must be in [0, 1]")
    if not 0.0 <= args.smooth < 1.0:
        parser.error(f"--smooth {args.smooth} must be in [0, 1) (0 = off)")
    if args.fps <= 0:
        parser.error(f"--fps {args.fps} must be positive")
    return args


def default_output(spec: str) -> Path:
    name = f"camera{int(spec)}" if spec.strip().isdigit() else Path(spec.rstrip("/")).stem
    return Path("work_dirs") / "video" / f"{name}_seg.mp4"


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(demo, argv)


def demo(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:  # before the pipeline's own Ctrl-C handling is in place
        print("Interrupted before any frame was processed; no output was written.", file=sys.stderr)
        return EXIT_INTERRUPTED


def run(args: argparse.Namespace) -> int:
    weights = None if args.weights == "random" else args.weights
    output_path = Path(args.output) if args.output else default_output(args.input)
    if Path(args.input).exists() and output_path.exists() and output_path.resolve() == Path(args.input).resolve():
        raise UserError(f"--output {output_path} is the input itself; pick another output file.")
    check_output_file(output_path, "--output", args.overwrite)
    choose_backend(args.backend, weights)
    # Heavy imports after the arguments and the output are checked.
    from seg.classes import CITYSCAPES
    from seg.runtimes.factory import load_predictor
    from seg.video import Renderer, VideoOutput, VideoPipeline, open_source, open_window

    card = read_model_card(weights, args.config, args.overrides, args.allow_model_mismatch)
    predictor = load_predictor(card, args.backend, args.input_size, args.threads, fast_labels=not args.exact_labels)
    source = open_source(args.input, fps=args.fps)
    output = None
    try:  # until the pipeline takes over Ctrl-C, an error or interrupt must not leave the temporary output behind
        classes = predictor.classes or CITYSCAPES
        renderer = Renderer(args.opacity, args.side_by_side, args.legend, classes.names, classes.palette_array())
        info = source.info
        output = VideoOutput(output_path, info.fps, renderer.output_size(info.frame_size))
        show = None
        if args.show:
            show, message = open_window()
            print(f"--show: {message}" + ("" if show else "; continuing without showing."), file=sys.stderr)
        height, width = info.frame_size
        count = f", {info.frame_count} frames" if info.frame_count is not None else ""
        print(f"input   {info.name}: {width}x{height} at {info.fps:g} fps ({info.fps_note}){count}", file=sys.stderr)
        print(
            f"model   {card.config.name if card.config else card.path} ({'random init' if weights is None else weights}): {predictor.describe()}, "
            f"{args.threads} inference thread{'s' if args.threads != 1 else ''}",
            file=sys.stderr,
        )
        print(f"output  {output.path} ({output.codec}{'; ' + output.note if output.note else ''})", file=sys.stderr)
        pipeline = VideoPipeline(predictor, renderer, smooth=args.smooth, max_frames=args.max_frames, on_frame=show)
    except BaseException:
        source.close()
        if output is not None:
            output.discard()
        raise
    report = pipeline.run(source, output)
    print(report.format())
    if report.error:  # the output keeps the frames finished before it
        raise Failure(report.error)
    if report.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_INCOMPLETE if report.input_failed else 0


if __name__ == "__main__":
    sys.exit(main())
