"""Print a config with its overrides applied, one ``section.field = value`` per line.

python tools/print_config.py configs/lraspp_small_toy.py --set trainer.max_steps=100
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from seg.cli import add_override_argument, run_tool, tool_parser
from seg.config import format_config, load_config


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("config", help="a config file, e.g. configs/lraspp_large_cityscapes.py")
    add_override_argument(parser)
    args = parser.parse_args(argv)
    print(format_config(load_config(args.config, args.overrides)))
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
