"""Image in, label map out: the exact path (full-resolution logits, then argmax) against the fast label maps.

python tools/benchmark_labels.py configs/lraspp_large_cityscapes.py --input-size 512 1024 --threads 2
python tools/benchmark_labels.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt --images datasets/toy_cityscapes/leftImg8bit/val
python tools/benchmark_labels.py configs/lraspp_large_cityscapes.py --runtimes onnxruntime onnxruntime-int8 openvino-int8

For each of --runtimes (default: PyTorch and ONNX Runtime fp32; INT8 runtimes calibrate on --images or random
images, and OpenVINO needs the .[openvino] extra) it times ``Predictor.predict`` (preprocess, network, label map)
with the network ending at full resolution (the exact path, what tools/test.py runs) and ending at the decoder's stride-8
logits with seg.inference.labelmap's label map (what tools/infer.py and the video demo run), interleaved, and
reports the argmax agreement of the two on --images (a folder of real images; random images otherwise).
Without a checkpoint the weights are random with BatchNorm statistics settled (speed only).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from seg.cli import (
    add_input_size_argument,
    add_model_arguments,
    add_threads_argument,
    model_positionals,
    positive_int,
    read_model_card,
    run_tool,
    tool_parser,
)
from seg.runtimes.backends import BACKENDS

# The torch path and every backend that runs an exported file on an x86 CPU (seg.bench.label_paths).
LABEL_RUNTIMES = ["torch", *(name for name, b in BACKENDS.items() if b.runtime in ("onnxruntime", "openvino"))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    add_model_arguments(parser, "[CONFIG] [CHECKPOINT]")
    add_input_size_argument(parser, (512, 1024), minimum=32)
    add_threads_argument(parser, 2)
    parser.add_argument("--iters", type=positive_int, default=10, help="timed calls per path (default: %(default)s)")
    parser.add_argument("--images", help="a folder of images for the agreement (default: random images)")
    parser.add_argument(
        "--agreement-images", type=positive_int, default=20, help="images for the agreement (default: 20)"
    )
    parser.add_argument(
        "--runtimes",
        nargs="+",
        default=["torch", "onnxruntime"],
        choices=LABEL_RUNTIMES,
        help="the runtimes whose exact and fast paths are timed (default: torch onnxruntime)",
    )
    args = parser.parse_intermixed_args(argv)
    # nargs="+": a config, a checkpoint or both.
    config_path, rest = model_positionals(parser, args.items, 0, 1, "[CONFIG.py] [CHECKPOINT]")
    checkpoint = rest[0] if rest else None

    import cv2  # heavy imports after the arguments are checked
    import numpy as np

    from seg.bench.label_paths import label_paths
    from seg.bench.timing import machine_info, summarise, time_interleaved
    from seg.data.images import list_images, read_image
    from seg.data.samples import random_images
    from seg.inference.metrics import agreement
    from seg.models import build_model
    from seg.synthetic.weights import settle_batchnorm

    card = read_model_card(checkpoint, config_path, args.overrides, args.allow_model_mismatch)
    size = args.input_size
    model = build_model(card.config.model)
    if card.state_dict is not None:
        model.load_state_dict(card.state_dict)
    else:
        settle_batchnorm(model, (min(size[0], 128), min(size[1], 256)))
    with tempfile.TemporaryDirectory(prefix="seg-labels-") as tmp:
        if args.images:
            samples = [read_image(image.path) for image in list_images([args.images])[: args.agreement_images]]
        else:
            samples = [batch[0] for batch in random_images(args.agreement_images, size, seed=2)]
        # INT8 calibrates on images the agreement does not use (the folder's files after the agreement ones).
        if args.images:
            calibration = [read_image(image.path) for image in list_images([args.images])[args.agreement_images :][:16]]
        else:
            calibration = [batch[0] for batch in random_images(8, size, seed=3)]
        paths = label_paths(model, card.config, args.runtimes, size, args.threads, Path(tmp), calibration or samples)
        # Timed on the first image at the input size: a real scene's label boundaries (random noise images are
        # the fast path's worst case, nearly every stride-8 cell mixed).
        image = cv2.resize(samples[0], (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
        for predictor in paths.values():
            predictor.predict(image)  # warm-up
        times = time_interleaved({name: (lambda p=p: p.predict(image)) for name, p in paths.items()}, args.iters)
        agreements = {
            runtime: agreement(
                (paths[f"{runtime} fast"].predict(sample), paths[f"{runtime} exact"].predict(sample))
                for sample in samples
            )
            for runtime in args.runtimes
        }
    info = machine_info(args.threads)
    print(
        f"{card.config.name}, {size[0]}x{size[1]}, {args.threads} thread(s), {info.get('cpu', '')}; median of {args.iters}"
    )
    for name, seconds in times.items():
        runtime = name.rsplit(" ", 1)[0]
        exact = np.median(times[f"{runtime} exact"])
        timing = summarise(seconds, 0.0)
        print(f"  {name:<20} {timing.median_ms:8.1f} ms   {np.median(seconds) / exact:5.2f}x of {runtime} exact")
    where = args.images or "random images"
    for runtime, value in agreements.items():
        print(
            f"  {runtime}: fast vs exact label maps agree on {100 * value:.4f}% of pixels ({len(samples)} from {where})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
