"""Per-class pixel frequencies of a config's training split and the class weights derived from them.

python tools/class_weights.py configs/lraspp_small_toy.py
python tools/class_weights.py configs/lraspp_large_cityscapes.py --power 1 --set data.root=/data/cityscapes

Prints a table (pixel share and weight per class) and a ``loss.class_weights`` line to paste into a config
or pass with --set. Weights are ``(median share / class share) ** power`` (median frequency balancing;
seg/data/stats.py). A toy set that does not exist yet is generated first, as tools/train.py would.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from seg.cli import add_override_argument, run_tool, tool_parser
from seg.config import load_config


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("config", help="a config file; its data section names the dataset and root")
    add_override_argument(parser)
    parser.add_argument("--split", help="the split to count (default: the config's data.train_split)")
    parser.add_argument("--power", type=float, default=0.5, help="exponent of the median-frequency ratio (0.5)")
    args = parser.parse_args(argv)
    if not args.power > 0:
        parser.error(f"--power must be positive (0.5: square root, 1: plain median frequency), got {args.power}")

    config = load_config(args.config, args.overrides)
    from seg.classes import check_num_classes
    from seg.data.datasets import build_dataset
    from seg.data.stats import class_pixel_counts, median_frequency_weights

    if config.data.dataset == "toy":  # generated when absent, as tools/train.py would
        from seg.data.prepare import prepare_data

        prepare_data(config.data)
    split = args.split or config.data.train_split
    names = check_num_classes(config)
    dataset = build_dataset(config.data, split)
    counts = class_pixel_counts(dataset, len(names))
    weights = median_frequency_weights(counts, power=args.power)
    total = counts.sum()
    width = max(16, *(len(name) + 2 for name in names))
    print(f"{len(dataset)} label maps of {config.data.root} ({split}), {total} labelled pixels")
    print(f"{'class':<{width}}{'pixels %':>10}{'weight':>8}")
    for name, count, weight in zip(names, counts, weights, strict=True):
        print(f"{name:<{width}}{100 * count / total:>10.3f}{weight:>8.2f}")
    print("loss.class_weights=(" + ",".join(f"{w:g}" for w in weights) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
