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

import dataclasses
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import (
    add_input_size_argument,
    add_override_argument,
    add_overwrite_argument,
    add_report_arguments,
    add_threads_argument,
    at_least,
    check_report_outputs,
    positive_int,
    read_model_card,
    run_tool,
    tool_parser,
    write_report,
)
from seg.config import ConfigError, load_config
from seg.runtimes.backends import BACKENDS as ALL_BACKENDS

BACKENDS = tuple(name for name in ALL_BACKENDS if name != "torch-compile")
CONFIGS = Path(__file__).resolve().parent.parent / "configs"
# The paper's lineup (Table 7), as (name, config file in configs/, overrides): configs/ has no Small R-ASPP or
# DeepLabV3 file, so those swap the backbone.
DEFAULT_LINEUP = (
    ("MobileNetV3-Large LR-ASPP", "lraspp_large_cityscapes.py", ()),
    ("MobileNetV3-Large R-ASPP", "raspp_large_cityscapes.py", ()),
    ("MobileNetV3-Large DeepLabV3", "deeplabv3_large_cityscapes.py", ()),
    ("MobileNetV3-Small LR-ASPP", "lraspp_small_cityscapes.py", ()),
    ("MobileNetV3-Small R-ASPP", "raspp_large_cityscapes.py", ("model.backbone=mobilenet_v3_small",)),
    ("MobileNetV3-Small DeepLabV3", "deeplabv3_large_cityscapes.py", ("model.backbone=mobilenet_v3_small",)),
    ("MobileNetV2 R-ASPP", "raspp_mobilenetv2_cityscapes.py", ()),
)


def entries_from(specs: Sequence[str], overrides: Sequence[str]) -> list:
    from seg.bench.sweep import Entry, parse_entries

    if not specs:
        return [Entry(name, load_config(CONFIGS / file, [*overrides, *extra])) for name, file, extra in DEFAULT_LINEUP]
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
    parser = tool_parser(__doc__)
    parser.add_argument(
        "configs", nargs="*", metavar="CONFIG", help="config files, CONFIG@key=value,... (default: the paper's lineup)"
    )
    add_override_argument(parser)
    parser.add_argument("--checkpoints", nargs="+", default=[], metavar="CKPT", help="one per config, '-' for none")
    add_input_size_argument(parser, (512, 1024), minimum=32)
    parser.add_argument("--backend", default="torch-channels-last", choices=BACKENDS)
    add_threads_argument(parser, help="intra-op threads (default: all cores)")
    parser.add_argument("--warmup", type=at_least(0), default=2)
    parser.add_argument("--iters", type=positive_int, default=5)
    parser.add_argument(
        "--eval-images", type=positive_int, default=50, help="validation images for mIoU (default: %(default)s)"
    )
    add_report_arguments(
        parser,
        json="write the report as JSON",
        markdown="write the table as markdown",
        plot="PNG scatter: mIoU (or MAdds without checkpoints) against latency",
    )
    add_overwrite_argument(parser)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    check_report_outputs(args)
    # Heavy imports after the arguments and outputs are checked.
    from seg.bench.compare import compare_decoders, compare_markdown, paper_comparison
    from seg.bench.report import scatter
    from seg.bench.sweep import with_distinct_names

    entries = entries_from(args.configs, args.overrides)
    checkpoints = [None if c == "-" else c for c in args.checkpoints] or [e.checkpoint for e in entries]
    if len(checkpoints) != len(entries):
        raise ConfigError(
            f"--checkpoints has {len(checkpoints)} items for {len(entries)} configs; give one per config ('-' for none)."
        )
    size = args.input_size
    for index, (entry, checkpoint) in enumerate(zip(entries, checkpoints, strict=True)):
        if checkpoint and entry.checkpoint is None:  # a config paired with a checkpoint: must describe it
            card = read_model_card(checkpoint, entry.config)
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
    if args.json:
        write_report(args.json, json.dumps(report, indent=2) + "\n")
    if args.markdown:
        write_report(args.markdown, markdown)
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
