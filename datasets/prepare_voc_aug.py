"""Add SBD's labels to Pascal VOC 2012: SegmentationClassAug/ and the train_aug split (10,582 images).

python datasets/prepare_voc_aug.py --voc datasets/VOCdevkit/VOC2012 --sbd datasets/benchmark_RELEASE

Then train on it with --set data.train_split=train_aug (configs/lraspp_large_voc.py). datasets/README.md
says where to get both.
"""

from __future__ import annotations

import sys

from seg.cli import run_tool, tool_parser


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("--voc", default="datasets/VOCdevkit/VOC2012", help="the VOC2012 folder (default: %(default)s)")
    parser.add_argument("--sbd", required=True, help="SBD's benchmark_RELEASE folder (or its dataset/ folder)")
    args = parser.parse_args(argv)
    from seg.data.voc import prepare_voc_aug

    counts = prepare_voc_aug(args.voc, args.sbd)
    print(
        f"Wrote SegmentationClassAug ({counts['voc']} labels from VOC, {counts['sbd']} from SBD) and "
        f"ImageSets/Segmentation/train_aug.txt ({counts['train_aug']} ids) under {args.voc}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
