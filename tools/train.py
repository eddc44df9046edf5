"""Train a config: python tools/train.py CONFIG [--set section.field=value ...] [--work-dir DIR] [--resume auto|PATH]

python tools/train.py configs/lraspp_small_toy.py
python tools/train.py configs/lraspp_large_cityscapes.py --set trainer.devices=4 --resume auto

Before fitting, both splits are checked without decoding (pairing, header sizes, truncated files; the full
check is tools/check_dataset.py). The work dir (default work_dirs/<config name>/) receives config.py (the resolved config),
checkpoints/last.ckpt and best.ckpt, logs/ (TensorBoard and CSV) and metrics.json. More in docs/training.md.
It is checked before any work: it must be writable, and a fresh run does not replace an earlier run's
checkpoints there unless --overwrite (--resume auto continues that run instead).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from seg.cli import add_override_argument, add_overwrite_argument, require_inputs, run_tool, tool_parser
from seg.config import load_config
from seg.train.threads import prefer_passive_waiting

prefer_passive_waiting()  # before torch is imported (seg/train/threads.py says why)


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("config", help="a config file, e.g. configs/lraspp_small_toy.py")
    add_override_argument(parser)
    parser.add_argument("--work-dir", help="output folder (default: work_dirs/<config name>)")
    parser.add_argument(
        "--resume",
        metavar="auto|PATH",
        help="continue a run: 'auto' uses WORK_DIR/checkpoints/last.ckpt if it exists, or give a .ckpt path",
    )
    add_overwrite_argument(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. for log files)")
    args = parser.parse_args(argv)
    require_inputs((args.config, "config"), (None if args.resume in (None, "auto") else args.resume, "--resume"))
    config = load_config(args.config, args.overrides)
    if config.data.dataset != "toy":  # the toy set is generated when missing
        require_inputs((config.data.root, "data.root"))
    from seg.train.fit import train  # imports Lightning: after the arguments and the config are checked

    train(config, work_dir=args.work_dir, resume=args.resume, progress=not args.no_progress, overwrite=args.overwrite)
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
