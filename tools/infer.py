"""Segment images: colour masks (the dataset's palette) and overlays for image files or folders.

python tools/infer.py configs/lraspp_small_toy.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt \
    datasets/toy_cityscapes/leftImg8bit/val --output-dir outputs/infer
python tools/infer.py CONFIG model.onnx IMAGE.png          # ONNX Runtime, same pre- and postprocessing

For each INPUT image NAME.png it writes NAME_mask.png (class colours) and NAME_overlay.png (the mask
blended over the image) to --output-dir. Whole-image inference through seg.deploy.Predictor, the
preprocessing shared by the PyTorch and ONNX Runtime backends.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
from tqdm import tqdm

from seg.cli import add_override_argument, run_tool
from seg.config import load_config
from seg.data import read_image
from seg.data.catalog import CITYSCAPES
from seg.deploy.runtime import load_predictor, runtime_of

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def collect_images(inputs: Sequence[str]) -> list[Path]:
    """Image files named directly, plus every image under the folders named (recursively), sorted."""
    images: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            images += sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.is_file():
            images.append(path)
        else:
            raise FileNotFoundError(2, "no such image file or folder", str(path))
    if not images:
        raise FileNotFoundError(2, f"no images ({', '.join(IMAGE_SUFFIXES)}) found", " ".join(inputs))
    return images


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", help="the config the model was trained with (or WORK_DIR/config.py)")
    parser.add_argument("checkpoint", help="a .ckpt from tools/train.py, a state dict file or an exported .onnx")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    add_override_argument(parser)
    parser.add_argument(
        "--output-dir", default="outputs/infer", help="where masks and overlays go (default: %(default)s)"
    )
    parser.add_argument("--alpha", type=float, default=0.5, help="mask opacity in the overlay (default: %(default)s)")
    args = parser.parse_args(argv)

    config = load_config(args.config, args.overrides)
    images = collect_images(args.inputs)
    device = "cuda" if torch.cuda.is_available() and runtime_of(args.checkpoint) == "torch" else "cpu"
    predictor = load_predictor(config, args.checkpoint, device=device)
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"{len(images)} images -> {out_dir} ({predictor.describe()})")
    # The model's own classes (its dataset's, or an export's metadata); ids past the palette stay black.
    table = np.zeros((256, 3), dtype=np.uint8)
    palette = (predictor.classes or CITYSCAPES).palette_array()
    table[: len(palette)] = palette
    for path in tqdm(images, unit="img"):
        image = read_image(path)
        mask = table[predictor.predict(image)]
        overlay = (image * (1 - args.alpha) + mask * args.alpha).round().astype(np.uint8)
        for suffix, rgb in (("mask", mask), ("overlay", overlay)):
            target = out_dir / f"{path.stem}_{suffix}.png"
            if not cv2.imwrite(str(target), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
                raise FileNotFoundError(2, "cannot write the output (is the folder writable?)", str(target))
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
