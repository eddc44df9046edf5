"""Training-pipeline throughput of one loader worker: samples/s of the albumentations reference and of crop-first.

python tools/benchmark_loader.py configs/lraspp_large_cityscapes.py --synthetic 1024 2048 --samples 24
python tools/benchmark_loader.py configs/lraspp_large_cityscapes.py --set data.root=/data/cityscapes

Reads the config's training split (or, with --synthetic H W, four generated toy scenes of that size in the
Cityscapes layout) through the albumentations pipeline the toolkit used before, the crop-first TrainTransform,
and the crop-first transform on decoded copies (data.cache_dir), interleaved sample by sample, on one thread,
and prints ms per sample, samples/s and the speed-up of each. The crop size and scale range are the config's.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from seg.cli import add_override_argument, run_tool, tool_parser
from seg.config import ConfigError, load_config


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("config", help="a config file; its data section gives the dataset, crop and scales")
    add_override_argument(parser)
    parser.add_argument("--split", help="the split to read (default: the config's data.train_split)")
    parser.add_argument("--samples", type=int, default=24, help="samples per pipeline (default: %(default)s)")
    parser.add_argument(
        "--synthetic",
        nargs=2,
        type=int,
        metavar=("H", "W"),
        help="generate 4 toy scenes of HxW instead of reading data.root",
    )
    parser.add_argument("--cache-dir", help="where the decoded copies go (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.samples < 1:
        raise ConfigError(f"--samples {args.samples}: measure at least one sample.")
    from seg.bench.loader import cpu_name, measure_pipelines
    from seg.synthetic.toy_cityscapes import make_toy_cityscapes

    config = load_config(args.config, args.overrides)
    data = config.data
    split = args.split or data.train_split
    with tempfile.TemporaryDirectory() as tmp:
        if args.synthetic:
            height, width = args.synthetic
            print(f"generating 4 toy scenes of {height}x{width} ...")
            root = make_toy_cityscapes(Path(tmp) / "toy", train=4, val=1, seed=0, image_size=(height, width))
            data, split = replace(data, dataset="toy", root=str(root)), "train"
        cache_dir = args.cache_dir or str(Path(tmp) / "cache")
        speeds = measure_pipelines(data, split, args.samples, cache_dir)
    crop, scales = data.augment.crop_size, data.augment.scale_range
    print(
        f"{speeds[0].samples} samples of {data.root} ({split}), crop {crop[0]}x{crop[1]}, scale {scales[0]}-{scales[1]}, "
        f"one worker (1 thread), {cpu_name()}"
    )
    print(f"{'pipeline':<30}{'ms/sample':>11}{'samples/s':>11}{'speed-up':>10}")
    for speed in speeds:
        ratio = speed.per_second / speeds[0].per_second
        print(f"{speed.name:<30}{speed.ms_per_sample:>11.1f}{speed.per_second:>11.1f}{ratio:>9.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
