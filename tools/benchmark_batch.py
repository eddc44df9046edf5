"""Images per second of batch segmentation: tools/infer.py (one process) against tools/infer_ray.py (1, 2 workers).

python tools/benchmark_batch.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt datasets/toy_cityscapes/leftImg8bit \
    --count 200 --workers 1 2 --repeats 3 --output docs/benchmarks/batch_inference.json

Each variant segments the first COUNT and the first 2 x COUNT images of the folder (sorted), each as its own command
in a fresh output folder; the difference gives the time per image once running and the rest the start-up
(seg/bench/batch.py). Variants are interleaved over the repeats. Prints a Markdown table (docs/deployment.md).
Run it on a quiet machine: every figure is wall-clock time.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import add_override_argument, add_threads_argument, run_tool, split_config, tool_parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("items", nargs="+", metavar="[CONFIG] MODEL FOLDER")
    add_override_argument(parser)  # passed on to both tools
    parser.add_argument("--count", type=int, default=200, help="N: runs over N and 2N images (default: %(default)s)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Ray pool sizes (default: 1 2)")
    parser.add_argument("--batch-size", type=int, default=16, help="Ray batch size (default: %(default)s)")
    add_threads_argument(parser, 1, help="threads per process (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (default: %(default)s)")
    parser.add_argument("--output", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    config, rest = split_config(args.items)
    if len(rest) != 2 or args.count < 1 or args.repeats < 1:
        parser.error("expected [CONFIG.py] MODEL FOLDER, --count and --repeats of at least 1")
    from seg.bench.batch import format_results, measure, variants
    from seg.data.images import list_images

    images = [image.path for image in list_images([rest[1]])]
    model = [*([config] if config else []), rest[0]]
    # The same thread count in every process (OpenMP's included), so the variants differ in processes only.
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    chosen = variants(args.workers, args.batch_size, args.threads)
    results = measure(
        model, images, args.count, chosen, args.repeats, env, Path(__file__).resolve().parent, args.overrides
    )
    print(format_results(results, args.count))
    if args.output:
        given = list(argv) if argv is not None else sys.argv[1:]
        record = {"command": " ".join(["python", "tools/benchmark_batch.py", *given]), "results": results}
        Path(args.output).write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
