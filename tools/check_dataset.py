"""Check a config's dataset before training: every problem in one run, the pixel share of each class.

python tools/check_dataset.py configs/lraspp_small_folder.py --set data.root=/data/my_set
python tools/check_dataset.py configs/lraspp_large_cityscapes.py --split train val --workers 8

Reads every image and label of the splits once, in parallel, through the same readers as training, and
lists every problem (an image without a label or a label without an image, an unreadable or truncated
file, an image and label of different sizes, label values outside the class list), notes images that
training converts (grayscale, RGBA, 16-bit), and prints each class's share of the labelled pixels. Exit
status 1 when any problem was found, 2 when the config or the data folder itself is wrong, 0 otherwise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from seg.cli import EXIT_FAILURE, add_override_argument, run_tool, tool_parser
from seg.config import load_config

NOTES = {"grayscale": "grayscale (converted to RGB)", "RGBA": "RGBA (alpha dropped)", "16-bit": "16-bit (scaled to 8)"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("config", help="a config file; its data section names the dataset and root")
    add_override_argument(parser)
    parser.add_argument("--split", nargs="+", help="splits to check (default: data.train_split and data.val_split)")
    parser.add_argument(
        "--workers", type=int, default=min(8, os.cpu_count() or 1), help="reading processes (default: %(default)s)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    from seg.classes import check_num_classes
    from seg.data.check import check_split

    config = load_config(args.config, args.overrides)
    data = config.data
    if data.dataset == "toy":  # generated when absent, as tools/train.py would
        from seg.data.prepare import prepare_data

        prepare_data(data)
    names = check_num_classes(config)
    splits = list(dict.fromkeys(args.split or [data.train_split, data.val_split]))
    print(f"{data.dataset!r} dataset at {data.root}: {len(names)} classes, splits {', '.join(splits)}")
    total = 0
    for split in splits:
        report = check_split(data, split, workers=max(1, args.workers), progress=not args.no_progress)
        total += len(report.problems)
        print(f"\n[{split}] {report.samples} pairs, {len(report.problems)} problem(s)")
        for problem in report.problems:
            print(f"  problem: {problem}")
        for note, paths in sorted(report.notes.items()):
            print(f"  note: {len(paths)} image(s) {NOTES.get(note, note)}, e.g. {paths[0]}")
        labelled = int(report.counts.sum())
        pixels = labelled + report.ignored
        share = f"{100 * report.ignored / pixels:.2f}%" if pixels else "n/a"
        print(f"  class pixel shares ({labelled} labelled pixels; {share} of all pixels ignored):")
        width = max(len(name) for name in names)
        for name, count in zip(names, report.counts.tolist(), strict=True):
            percent = 100 * count / labelled if labelled else 0.0
            print(f"    {name:<{width}}  {percent:7.3f}%{'  (absent)' if count == 0 else ''}")
    if total:
        print(f"\n{total} problem(s) found; fix them (or remove the files) before training.")
        return EXIT_FAILURE
    print("\nno problems found")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
