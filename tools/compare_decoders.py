"""Compare decoders and encoders: parameters, MAdds, latency and (with checkpoints) mIoU.

python tools/compare_decoders.py --input-size 512 1024 --threads 2 --markdown compare.md --plot compare.png
python tools/compare_decoders.py configs/lraspp_small_toy.py configs/lraspp_small_toy.py@model.head=raspp \
    --checkpoints work_dirs/a/checkpoints/best.ckpt - --input-size 128 256

Without CONFIG arguments the paper's lineup is measured: LR-ASPP, R-ASPP and DeepLabV3 on
MobileNetV3-Large and -Small, and MobileNetV2 R-ASPP (configs/raspp_mobilenetv2_cityscapes.py).
--checkpoints pairs one checkpoint (or "-") with each config; mIoU is then computed on the config's
validation split. A CONFIG may also be a checkpoint (its stored config; its mIoU is measured). Two
entries with the same config name are told apart by their checkpoints' paths in the table and plot.
The plot shows mIoU against latency for the entries with a checkpoint; with no checkpoint at all it
shows MAdds instead and says so (in its title and on the console), and entries without one are named
as left out. Existing --json/--markdown/--plot files are refused unless --overwrite. MAdds: seg.models.complexity (FlopCounterMode, MAdds = FLOPs / 2). The tool prints
the paper's claim "MobileNetV3-Large LR-ASPP is 34% faster than MobileNetV2 R-ASPP" as measured here.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import add_override_argument, add_overwrite_argument, run_tool
from seg.config import ConfigError, load_config
from seg.outputs import check_output_file
from seg.runtimes.backends import BACKENDS as ALL_BACKENDS

BACKENDS = tuple(name for name in ALL_BACKENDS if name != "torch-compile")
REPO = Path(__file__).resolve().parent.parent


def entries_from(specs: Sequence[str], overrides: Sequence[str]) -> list:
    from seg.bench.compare import DEFAULT_LINEUP
    from seg.bench.sweep import Entry, parse_entries

    if not specs:
        return [Entry(name, load_config(REPO / path, [*overrides, *extra])) for name, path, extra in DEFAULT_LINEUP]
    return parse_entries(specs, overrides)


def plot_points(rows: list[dict]) -> tuple[list[tuple[str, float, float]], str, list[str]]:
    """(label, latency, y) points, the y-axis label, and the models left out: mIoU for rows with a checkpoint; MAdds
    only when no row has one (then the caller says so)."""
    with_miou = [r for r in rows if r["miou"] is not None]
    if not with_miou:
        return [(r["model"], r["median_ms"], r["madds"] / 1e9) for r in rows], "MAdds (billions)", []
    left_out = [r["model"] for r in rows if r["miou"] is None]
    return [(r["model"], r["median_ms"], 100 * r["miou"]) for r in with_miou], "mIoU (%)", left_out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "configs", nargs="*", metavar="CONFIG", help="config files, CONFIG@key=value,... (default: the paper's lineup)"
    )
    add_override_argument(parser)
    parser.add_argument("--checkpoints", nargs="+", default=[], metavar="CKPT", help="one per config, '-' for none")
    parser.add_argument("--input-size", nargs=2, type=int, default=(512, 1024), metavar=("H", "W"))
    parser.add_argument("--backend", default="torch-channels-last", choices=BACKENDS)
    parser.add_argument("--threads", type=int, help="intra-op threads (default: all cores)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--eval-images", type=int, default=50, help="validation images for mIoU (default: %(default)s)")
    parser.add_argument("--json", help="write the report as JSON")
    parser.add_argument("--markdown", help="write the table as markdown")
    parser.add_argument("--plot", help="PNG scatter: mIoU (or MAdds without checkpoints) against latency")
    add_overwrite_argument(parser)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    for option in ("json", "markdown", "plot"):
        if getattr(args, option):
            check_output_file(getattr(args, option), f"--{option}", args.overwrite)
    # Heavy imports after the arguments and outputs are checked.
    from seg.bench.compare import compare_decoders, compare_markdown, paper_comparison
    from seg.bench.report import scatter
    from seg.bench.sweep import with_distinct_names
    from seg.inference.card import read_card

    entries = entries_from(args.configs, args.overrides)
    checkpoints = [None if c == "-" else c for c in args.checkpoints] or [e.checkpoint for e in entries]
    if len(checkpoints) != len(entries):
        raise ConfigError(
            f"--checkpoints has {len(checkpoints)} items for {len(entries)} configs; give one per config ('-' for none)."
        )
    if min(args.input_size) < 32 or args.iters < 1:
        raise ConfigError(f"--input-size must be at least 32 32 and --iters >= 1; got {args.input_size}, {args.iters}.")
    size = (args.input_size[0], args.input_size[1])
    for index, (entry, checkpoint) in enumerate(zip(entries, checkpoints, strict=True)):
        if checkpoint and entry.checkpoint is None:  # a config paired with a checkpoint: must describe it
            card = read_card(checkpoint, entry.config)
            for note in card.notes:
                print(note, file=sys.stderr)
            entries[index] = dataclasses.replace(entry, checkpoint=checkpoint, state_dict=card.state_dict)
    checkpoints = [c or e.checkpoint for c, e in zip(checkpoints, entries, strict=True)]
    entries = with_distinct_names(entries, checkpoints)
    report = compare_decoders(
        entries,
        checkpoints,
        size,
        args.backend,
        args.threads,
        args.warmup,
        args.iters,
        args.eval_images,
        not args.no_progress,
    )
    command = "python tools/compare_decoders.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    report["command"] = command
    markdown = compare_markdown(report, command)
    print(markdown)
    if paper_comparison(report) is None:
        print("note: the lineup lacks MobileNetV3-Large LR-ASPP or MobileNetV2 R-ASPP; no paper comparison printed")
    for option, write in (
        (args.json, lambda p: p.write_text(json.dumps(report, indent=2) + "\n")),
        (args.markdown, lambda p: p.write_text(markdown)),
    ):
        if option:
            Path(option).parent.mkdir(parents=True, exist_ok=True)
            write(Path(option))
    if args.plot:
        points, ylabel, left_out = plot_points(report["rows"])
        title = f"{size[0]}x{size[1]}, {args.backend}"
        if ylabel.startswith("MAdds"):
            title += ": MAdds, not mIoU (no checkpoints given)"
            print(f"note: no checkpoints given, so {args.plot} plots MAdds, not mIoU, against latency")
        elif left_out:
            title += f" ({len(left_out)} without a checkpoint not shown)"
            print(f"note: {args.plot} plots mIoU; left out for lack of a checkpoint: {', '.join(left_out)}")
        scatter(points, "median latency (ms)", ylabel, title, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
