"""Look at a dataset as training sees it: a grid of images with their labels overlaid, and a legend.

python tools/browse_dataset.py configs/lraspp_small_folder.py --set data.root=/data/my_set --output grid.png
python tools/browse_dataset.py configs/lraspp_large_cityscapes.py --split train --augmented -n 16 --output aug.png

Samples are spread evenly over the split (or drawn at random with --seed). --augmented shows them after the
training augmentation (random scale, crop, flip, colour jitter), as the network receives them. Unlabelled
(ignored) pixels are left as they are; the legend lists the classes present in the grid.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import add_override_argument, run_tool, tool_parser
from seg.config import ConfigError, load_config


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("config", help="a config file; its data section names the dataset and root")
    add_override_argument(parser)
    parser.add_argument("--split", help="the split to show (default: data.train_split)")
    parser.add_argument("--augmented", action="store_true", help="after the training augmentation")
    parser.add_argument("-n", type=int, default=16, help="number of samples (default: %(default)s)")
    parser.add_argument("--columns", type=int, default=4, help="tiles per row (default: %(default)s)")
    parser.add_argument("--tile-width", type=int, default=384, help="tile width in pixels (default: %(default)s)")
    parser.add_argument("--seed", type=int, help="draw the samples (and augmentations) at random with this seed")
    parser.add_argument("--output", required=True, help="the PNG to write")
    args = parser.parse_args(argv)
    if args.n < 1 or args.columns < 1 or args.tile_width < 32:
        raise ConfigError("-n and --columns must be at least 1 and --tile-width at least 32.")
    import cv2
    import numpy as np

    from seg.classes import check_num_classes, dataset_classes
    from seg.data.browse import browse_grid
    from seg.data.datasets import build_dataset
    from seg.data.transforms import build_train_transform

    config = load_config(args.config, args.overrides)
    if config.data.dataset == "toy":  # generated when absent, as tools/train.py would
        from seg.data.prepare import prepare_data

        prepare_data(config.data)
    check_num_classes(config)
    split = args.split or config.data.train_split
    dataset = build_dataset(config.data, split)
    count = min(args.n, len(dataset))
    if args.seed is None:
        indices = [int(i * len(dataset) / count) for i in range(count)]
    else:
        indices = sorted(np.random.default_rng(args.seed).choice(len(dataset), count, replace=False).tolist())
    augment = None
    if args.augmented:
        augment = build_train_transform(config.data)
        augment.set_random_seed(args.seed or 0)
    grid = browse_grid(dataset, indices, dataset_classes(config.data), augment, args.columns, args.tile_width)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(output), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR)):
        raise FileNotFoundError(2, "cannot write the grid (is the folder writable and the name a .png?)", str(output))
    state = "augmented" if args.augmented else "as stored"
    print(f"{count} samples of {config.data.root} ({split}, {state}) -> {output} ({grid.shape[1]}x{grid.shape[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
