"""A web demo of a model: image, video and webcam segmentation in the browser (Gradio; pip install -e ".[app]").

python tools/app.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt          # http://127.0.0.1:7860
python tools/app.py model.onnx --port 8080                                      # any export: .onnx, .tflite, .pte
python tools/app.py configs/lraspp_small_toy.py weights.pt --host 0.0.0.0       # every interface: docs/app.md first

Image tab: an upload, a paste or a toy example -> the overlay (opacity slider) with its legend, the colour
mask, the class areas (% of pixels, largest first), the network's and the whole request's latency, the
backend, and the label map as a PNG of class ids (the file tools/infer.py writes as NAME_labels.png).
Video tab: a file through the video demo's pipeline (temporal smoothing; the legend in class-id order),
with a progress bar and the measured FPS. Webcam tab: the browser's camera through the model, live FPS.

It binds to 127.0.0.1 (this machine only) unless --host says otherwise; requests queue (--queue-size
waiting, --concurrency running the model at once) instead of failing; uploads beyond --max-file-mb or
--max-megapixels are refused with a message in the page. docs/app.md says how to share it safely.
Exit status 2: a bad argument or model file (one message, before the server starts).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from seg.cli import (
    add_exact_labels_argument,
    add_model_arguments,
    add_threads_argument,
    model_positionals,
    run_tool,
    tool_parser,
)
from seg.errors import UserError


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = tool_parser(__doc__, "%(prog)s [CONFIG.py] MODEL [options]")
    add_model_arguments(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s, this machine)")
    parser.add_argument("--port", type=int, default=7860, help="TCP port (default: %(default)s)")
    parser.add_argument("--queue-size", type=int, default=64, help="requests that may wait (default: %(default)s)")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="requests running the model at once (default: %(default)s)"
    )
    parser.add_argument("--max-file-mb", type=int, default=50, help="largest upload in MB (default: %(default)s)")
    parser.add_argument(
        "--max-megapixels", type=float, default=25.0, help="largest image or frame (default: %(default)s)"
    )
    parser.add_argument(
        "--max-video-frames", type=int, default=900, help="frames of a video segmented (default: %(default)s)"
    )
    parser.add_argument(
        "--examples-dir",
        help="where the toy example images are generated on first start (default: ~/.cache/seg/app_examples)",
    )
    add_threads_argument(parser)
    add_exact_labels_argument(parser)
    args = parser.parse_intermixed_args(argv)
    args.config, (args.weights,) = model_positionals(parser, args.items, 1, 1, "[CONFIG.py] MODEL")
    if not 0 < args.port < 65536:
        parser.error(f"--port {args.port} must be in 1..65535")
    for name in ("queue_size", "concurrency", "max_file_mb", "max_video_frames", "threads"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.max_megapixels <= 0:
        parser.error("--max-megapixels must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import gradio  # noqa: F401  (the extra; checked before the model is loaded)
    except ImportError:
        raise UserError('The web demo needs Gradio: pip install -e ".[app]" (docs/app.md).') from None
    import torch

    from seg.app.examples import example_images
    from seg.app.segmenter import Segmenter
    from seg.app.ui import ServerOptions, build_demo, serve
    from seg.app.uploads import UploadLimits
    from seg.inference.card import read_card
    from seg.runtimes.factory import load_predictor

    card = read_card(args.weights, args.config, args.overrides, args.allow_model_mismatch)
    for note in card.notes:
        print(note, file=sys.stderr)
    # The device and label path tools/infer.py uses, so both give the same label map for the same image.
    device = "cuda" if torch.cuda.is_available() and card.runtime == "torch" else "cpu"
    predictor = load_predictor(card, device=device, threads=args.threads, fast_labels=not args.exact_labels)
    limits = UploadLimits(args.max_megapixels, args.max_file_mb, args.max_video_frames)
    examples = example_images(args.examples_dir)
    segmenter = Segmenter(predictor, Path(args.weights).name)
    # Label PNGs and videos of this server's requests: removed with the temporary folder when the machine cleans it.
    work_dir = Path(tempfile.mkdtemp(prefix="seg_app_"))
    demo = build_demo(segmenter, limits, examples, work_dir)
    options = ServerOptions(args.host, args.port, args.queue_size, args.concurrency)
    print(f"serving {args.weights} ({predictor.describe()}) on http://{args.host}:{args.port}", file=sys.stderr)
    serve(demo, options, limits, allowed=[work_dir, *([examples[0].parent] if examples else [])])
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
