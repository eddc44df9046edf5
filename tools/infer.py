"""Segment images: colour masks and overlays, each with a legend of the classes present, for files or folders.

python tools/infer.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt datasets/toy_cityscapes/leftImg8bit/val \
    --output-dir outputs/infer
python tools/infer.py model.onnx photos/ IMG_0001.jpg      # ONNX Runtime, same pre- and postprocessing
python tools/infer.py configs/lraspp_small_toy.py best.ckpt photos/ --legend below --overwrite

For each image it writes NAME_mask.png (the class colours), NAME_overlay.png (the colours blended
over the image) and NAME_labels.png (the label map: a single-channel 8-bit PNG whose pixel values are
the class ids, the file the web demo tools/app.py downloads too) under --output-dir, where NAME keeps the image's path relative to the inputs
(a/frame.png and b/frame.png give a/frame_* and b/frame_*), so no output replaces another. Outputs
that already exist are refused unless --overwrite. The legend lists the classes present, largest
first, in a strip beside the picture (--legend below|inside|none). Colours and names are the
model's dataset's (the classes stored with it), Cityscapes' otherwise.

An image that cannot be read is skipped; the run goes on, names the skipped files at the end and
exits with status 3. Exit status 2: a bad argument, model or output folder, before any image.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import (
    EXIT_INCOMPLETE,
    MODEL_HELP,
    add_exact_labels_argument,
    add_input_size_argument,
    add_model_arguments,
    add_overwrite_argument,
    add_threads_argument,
    model_positionals,
    read_model_card,
    require_inputs,
    run_tool,
    tool_parser,
)
from seg.data.render import LEGEND_PLACEMENTS
from seg.outputs import OutputError, check_output_dir, existing

OUTPUT_KINDS = ("mask", "overlay", "labels")


def output_paths(out_dir: Path, name: Path) -> dict[str, Path]:
    """Where an image named ``name`` (its unique relative name, no suffix) has its mask, overlay and label map written."""
    return {kind: out_dir / name.parent / f"{name.name}_{kind}.png" for kind in OUTPUT_KINDS}


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__, usage="%(prog)s [CONFIG.py] MODEL INPUT [INPUT ...] [options]")
    add_model_arguments(parser, "[CONFIG] MODEL INPUT", help=f"{MODEL_HELP} INPUT: image files or folders.")
    parser.add_argument(
        "--output-dir", default="outputs/infer", help="where masks, overlays and label maps go (default: %(default)s)"
    )
    add_overwrite_argument(parser)
    parser.add_argument("--alpha", type=float, default=0.5, help="mask opacity in the overlay (default: %(default)s)")
    add_exact_labels_argument(parser)
    add_input_size_argument(parser)
    add_threads_argument(parser)
    parser.add_argument(
        "--legend", choices=LEGEND_PLACEMENTS, default="beside", help="where the legend goes (default: %(default)s)"
    )
    args = parser.parse_intermixed_args(argv)  # options may come between the positionals
    expected = "[CONFIG.py] MODEL INPUT [INPUT ...]: a model file and at least one image or folder"
    config_path, rest = model_positionals(parser, args.items, 2, None, expected)
    if not 0.0 <= args.alpha <= 1.0:
        parser.error(f"--alpha {args.alpha} must be in [0, 1]")
    weights, inputs = rest[0], rest[1:]
    require_inputs((config_path, "config"), (weights, "model"), *((path, "input") for path in inputs))
    out_dir = check_output_dir(args.output_dir, "--output-dir")

    import cv2  # heavy imports after the arguments are checked
    import torch
    from tqdm import tqdm

    from seg.classes import CITYSCAPES
    from seg.data.images import ImageReadError, list_images, read_image
    from seg.data.label_png import write_label_png
    from seg.data.render import SegmentationRenderer
    from seg.runtimes.factory import load_predictor

    card = read_model_card(weights, config_path, args.overrides, args.allow_model_mismatch)
    images = list_images(inputs)
    if not images:
        raise FileNotFoundError(2, "no image files (.png, .jpg, ...) in these inputs", " ".join(inputs))
    targets = [output_paths(out_dir, image.name) for image in images]
    if not args.overwrite:
        existing([path for pair in targets for path in pair.values()], "--output-dir")
    device = "cuda" if torch.cuda.is_available() and card.runtime == "torch" else "cpu"
    predictor = load_predictor(
        card, input_size=args.input_size, threads=args.threads, device=device, fast_labels=not args.exact_labels
    )
    classes = predictor.classes or CITYSCAPES
    renderer = SegmentationRenderer(classes.names, classes.palette_array(), opacity=args.alpha, legend=args.legend)
    print(f"{count(len(images), 'image')} -> {out_dir} ({predictor.describe()})")
    skipped: list[str] = []
    written = 0
    for image, paths in zip(tqdm(images, unit="img"), targets, strict=True):
        try:
            rgb = read_image(image.path)
        except ImageReadError as error:
            skipped.append(str(error))
            continue
        try:
            labels = predictor.predict(rgb)
        except (ValueError, RuntimeError) as error:  # e.g. an image too small for the network: skip it, say why
            skipped.append(f"Cannot segment image {image.path} ({rgb.shape[1]}x{rgb.shape[0]}): {error}")
            continue
        for kind, picture in (("mask", renderer.mask(labels)), ("overlay", renderer.overlay(rgb, labels))):
            paths[kind].parent.mkdir(parents=True, exist_ok=True)
            if not cv2.imwrite(str(paths[kind]), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR)):
                raise OutputError(f"Cannot write {paths[kind]} (the disk may be full); {written} images were done.")
        write_label_png(paths["labels"], labels)
        written += 1
    print(f"wrote the masks, overlays and label maps of {written} of {count(len(images), 'image')} to {out_dir}")
    if skipped:
        print(f"skipped {count(len(skipped), 'image')} (nothing written for them):", file=sys.stderr)
        for line in skipped:
            print(f"  {line}", file=sys.stderr)
        return EXIT_INCOMPLETE
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
