"""Turn another library's trained weights into a checkpoint every tool takes with its config.

python tools/import_weights.py lraspp_mobilenet_v3_large-d234d4ea.pth --output lraspp_coco_voc.ckpt
python tools/export_onnx.py configs/lraspp_large_coco_voc.py lraspp_coco_voc.ckpt --output voc.onnx --dynamic

SOURCE is a state dict you downloaded (nothing is downloaded here), e.g. torchvision's COCO-trained
LR-ASPP (Pascal VOC classes): torchvision.models.segmentation.LRASPP_MobileNet_V3_Large_Weights.
COCO_WITH_VOC_LABELS_V1.url, or torch.save(model.state_dict(), PATH) of a model you trained with torchvision.
The checkpoint stores the config, so test/infer/export/benchmark rebuild the same model. A state dict of
another architecture or class count is refused with a message naming the keys.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from seg.cli import run_tool
from seg.config import load_config
from seg.models import build_model, load_weights
from seg.models.importers import IMPORTERS, import_checkpoint

REPO = Path(__file__).resolve().parents[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="the state dict file to import (.pth)")
    parser.add_argument("--output", required=True, help="the checkpoint to write")
    parser.add_argument(
        "--source-format",
        choices=sorted(IMPORTERS),
        default="torchvision",
        help="which library wrote SOURCE (default: %(default)s)",
    )
    parser.add_argument("--config", help="the config whose model SOURCE fits (default: the format's own config)")
    args = parser.parse_args(argv)
    importer = IMPORTERS[args.source_format]
    config_path = Path(args.config) if args.config else REPO / importer.default_config
    config = load_config(config_path)
    checkpoint = import_checkpoint(args.source, config, args.source_format)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, output)
    load_weights(build_model(config.model), output)  # read back through the path every tool uses
    tensors = len(checkpoint["state_dict"])
    print(f"wrote {output}: {tensors} tensors from {args.source} ({args.source_format}), config {config.name}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
