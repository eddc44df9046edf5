"""Generate a toy data set in the exact Cityscapes layout (synthetic street scenes).

python datasets/make_toy_cityscapes.py --root datasets/toy_cityscapes --train 400 --val 100 --seed 0
"""

from __future__ import annotations

import sys
import time

from seg.cli import run_tool, tool_parser
from seg.config import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--root", default="datasets/toy_cityscapes", help="output folder (default: datasets/toy_cityscapes)"
    )
    parser.add_argument("--train", type=int, default=400, help="training images (default: 400)")
    parser.add_argument("--val", type=int, default=100, help="validation images (default: 100)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed writes byte-identical files (default: 0)")
    parser.add_argument("--height", type=int, default=256, help="image height in pixels (default: 256)")
    parser.add_argument("--width", type=int, default=512, help="image width in pixels (default: 512)")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes writing images; any count gives the same files (default: 1)"
    )
    args = parser.parse_args(argv)
    from seg.synthetic.toy_cityscapes import make_toy_cityscapes

    start = time.perf_counter()
    try:
        root = make_toy_cityscapes(
            args.root, args.train, args.val, args.seed, (args.height, args.width), progress=True, workers=args.workers
        )
    except ValueError as error:  # counts, size or seed out of range
        raise ConfigError(f"{error} Check --train, --val, --height, --width and --seed.") from None
    seconds = time.perf_counter() - start
    total = args.train + args.val
    print(
        f"Wrote {total} images ({args.train} train, {args.val} val) to {root} in {seconds:.1f} s ({total / seconds:.1f} images/s)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
