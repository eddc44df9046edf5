"""Per-layer-type time of a model on OpenVINO (its PERF_COUNT counters), fp32, bf16 or INT8.

python tools/profile_openvino.py configs/lraspp_large_cityscapes.py --backend openvino-bf16 --input-size 512 1024 --threads 2
python tools/profile_openvino.py model.int8.xml --input-size 512 1024 --threads 2

MODEL is a config (random weights with settled BatchNorm statistics: speed only), a checkpoint, or an .xml
written by tools/export.py --format openvino. For a config or checkpoint the IR is exported at --input-size and,
for --backend openvino-int8, quantized with NNCF on random images. Prints the mean milliseconds per layer type
and kernel over --iters calls (needs the .[openvino] extra).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from seg.cli import add_input_size_argument, add_override_argument, add_threads_argument, run_tool, tool_parser
from seg.config import ConfigError
from seg.runtimes.backends import BACKENDS

OPENVINO_BACKENDS = [name for name, backend in BACKENDS.items() if backend.runtime == "openvino"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("model", help="a config (.py), a checkpoint or an OpenVINO .xml")
    parser.add_argument("--backend", choices=OPENVINO_BACKENDS, default="openvino")
    add_input_size_argument(parser, (512, 1024), minimum=32)
    add_threads_argument(parser, 2, help="INFERENCE_NUM_THREADS (default: %(default)s)")
    parser.add_argument("--iters", type=int, default=10, help="profiled calls averaged (default: %(default)s)")
    add_override_argument(parser)
    args = parser.parse_args(argv)
    if args.iters < 1 or min(args.input_size) < 32:
        raise ConfigError("--iters must be >= 1 and --input-size at least 32 32.")
    size = (args.input_size[0], args.input_size[1])
    chosen = BACKENDS[args.backend]
    precision = "bf16" if chosen.bf16 else "fp32"
    try:
        import openvino  # noqa: F401
    except ImportError as error:
        raise ConfigError(f'OpenVINO is not installed ({error}); pip install -e ".[openvino]".') from None

    from seg.bench.openvino_profile import profile_openvino, profile_table

    with tempfile.TemporaryDirectory(prefix="seg-profile-") as tmp:
        path = Path(args.model)
        if path.suffix.lower() != ".xml":
            path = _export(args, size, Path(tmp), chosen.int8)
        times = profile_openvino(path, size, args.threads, precision, args.iters)
    print(f"{args.model} on {args.backend}, {size[0]}x{size[1]}, {args.threads} thread(s), mean of {args.iters} calls")
    print(profile_table(times))
    return 0


def _export(args: argparse.Namespace, size: tuple[int, int], folder: Path, int8: bool) -> Path:
    from seg.data.samples import random_images
    from seg.export.openvino import export_openvino, quantize_openvino_int8
    from seg.inference.card import read_card
    from seg.models import build_model
    from seg.runtimes.factory import load_predictor
    from seg.synthetic.weights import settle_batchnorm

    config_path, checkpoint = (args.model, None) if args.model.endswith(".py") else (None, args.model)
    card = read_card(checkpoint, config_path, args.overrides)
    model = build_model(card.config.model)
    if card.state_dict is not None:
        model.load_state_dict(card.state_dict)
    else:
        settle_batchnorm(model, (min(size[0], 128), min(size[1], 256)))
    path = export_openvino(model, folder / "model.xml", size, dynamic=False)
    if not int8:
        return path
    fp32 = load_predictor(
        dataclasses.replace(card, path=path, runtime="openvino", state_dict=None), threads=args.threads
    )
    batches = [fp32.preprocess(images[0]).numpy() for images in random_images(8, size, seed=1)]
    return quantize_openvino_int8(path, folder / "model.int8.xml", batches)


if __name__ == "__main__":
    sys.exit(run_tool(main))
