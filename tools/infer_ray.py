"""Segment an image archive on a Ray cluster: label maps, colour masks, overlays and a Parquet table, resumable.

python tools/infer_ray.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt datasets/toy_cityscapes/leftImg8bit/val \
    --output-dir outputs/archive --workers 2
python tools/infer_ray.py model.onnx 'frames/**/*.jpg' --address auto --workers 16 --overlays
python tools/infer_ray.py model.onnx s3://bucket/frames/ --output-dir s3://bucket/labels/ --address ray://head:10001

INPUT: folders, globs, .txt files of image paths (one a line) or image files, on local disk or any file system
pyarrow opens (s3://, gs://, hdfs://). MODEL: any model file tools/infer.py takes; every worker loads it once, so
on a cluster it must be at a path every node can read. Without --address a local Ray instance is started on this
machine; --address auto joins the cluster started with `ray start`, ray://HOST:10001 a remote one.

For each image it writes NAME_labels.png (class ids, single-channel 8-bit), NAME_mask.png (the class colours with
a legend; --no-masks leaves it out) and with --overlays NAME_overlay.png, named as tools/infer.py names them (the
same files, byte for byte), and OUTPUT/images.parquet, one row per image (size, pixels per class, latency,
status, error). A rerun skips images whose outputs all exist (--overwrite redoes them). Unreadable images are
named at the end and in the table; the exit status is then 3. More in docs/deployment.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from seg.cli import (
    EXIT_INCOMPLETE,
    MODEL_HELP,
    add_exact_labels_argument,
    add_model_arguments,
    add_overwrite_argument,
    add_threads_argument,
    run_tool,
    split_config,
    tool_parser,
)
from seg.data.render import LEGEND_PLACEMENTS
from seg.outputs import check_output_dir


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = tool_parser(__doc__, "%(prog)s [CONFIG.py] MODEL INPUT [INPUT ...] [options]")
    add_model_arguments(parser, "[CONFIG] MODEL INPUT", help=f"{MODEL_HELP} INPUT: see above.")
    parser.add_argument("--output-dir", default="outputs/infer", help="local path or URI (default: %(default)s)")
    parser.add_argument("--address", help="the Ray cluster to join (auto, HOST:6379, ray://HOST:10001)")
    parser.add_argument("--workers", type=positive, default=1, help="actors, one model each (default: %(default)s)")
    parser.add_argument("--batch-size", type=positive, default=16, help="images per call (default: %(default)s)")
    add_threads_argument(parser, 1, help="CPU threads (and CPUs) per worker (default: %(default)s)")
    parser.add_argument("--gpus-per-worker", type=float, default=0.0, help="GPUs per worker (checkpoints only)")
    parser.add_argument("--overlays", action="store_true", help="also write NAME_overlay.png")
    parser.add_argument("--no-masks", action="store_true", help="no NAME_mask.png (label maps and table only)")
    add_overwrite_argument(parser)
    parser.add_argument("--alpha", type=float, default=0.5, help="mask opacity in the overlay (default: %(default)s)")
    add_exact_labels_argument(parser)
    parser.add_argument("--legend", choices=LEGEND_PLACEMENTS, default="beside", help="(default: %(default)s)")
    args = parser.parse_intermixed_args(argv)
    args.config_path, rest = split_config(args.items)
    if len(rest) < 2:
        parser.error("expected [CONFIG.py] MODEL INPUT [INPUT ...]: a model file and at least one input")
    if not 0.0 <= args.alpha <= 1.0:
        parser.error(f"--alpha {args.alpha} must be in [0, 1]")
    args.weights, args.inputs = rest[0], rest[1:]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    from seg.batch.listing import list_inputs  # heavy imports after the arguments are checked
    from seg.batch.ray_infer import BatchJob, segment_archive
    from seg.inference.card import read_card

    card = read_card(args.weights, args.config_path, args.overrides, args.allow_model_mismatch)
    for note in card.notes:
        print(note, file=sys.stderr)
    if "://" not in args.output_dir:
        check_output_dir(args.output_dir, "--output-dir")
    listing = list_inputs(args.inputs)
    if not listing.paths:
        raise FileNotFoundError(2, "no image files (.png, .jpg, ...) in these inputs", " ".join(args.inputs))
    kinds = ("labels",) + (() if args.no_masks else ("mask",)) + (("overlay",) if args.overlays else ())
    job = BatchJob(
        card, listing.uri, args.output_dir, kinds, args.alpha, args.legend, args.exact_labels,
        args.threads, args.gpus_per_worker,
    )  # fmt: skip
    summary = segment_archive(job, listing, args.address, args.workers, args.batch_size, args.overwrite)
    print(
        f"{summary.segmented} segmented, {summary.done_before} complete before, {len(summary.failed)} skipped, "
        f"of {summary.total} images; table {summary.table}"
    )
    if summary.failed:
        print(f"skipped {len(summary.failed)} images (nothing written for them):", file=sys.stderr)
        for _, error in summary.failed:
            print(f"  {error}", file=sys.stderr)
        return EXIT_INCOMPLETE
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
