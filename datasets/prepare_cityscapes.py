"""Create *_gtFine_labelTrainIds.png for a Cityscapes tree with cityscapesscripts' own preparation.

python datasets/prepare_cityscapes.py [ROOT]      # ROOT defaults to datasets/cityscapes
"""

from __future__ import annotations

import sys

from seg.cli import run_tool, tool_parser


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "root",
        nargs="?",
        default="datasets/cityscapes",
        help="Cityscapes root holding gtFine/ (default: datasets/cityscapes)",
    )
    args = parser.parse_args(argv)
    from seg.data.cityscapes import create_train_id_labels

    count = create_train_id_labels(args.root)
    print(f"Wrote {count} *_labelTrainIds.png files under {args.root}.")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
