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

import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import add_overwrite_argument, run_tool, tool_parser
from seg.config import ConfigError, load_config
from seg.outputs import check_output_file

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("source", help="the state dict file to import (.pth)")
    parser.add_argument("--output", required=True, help="the checkpoint to write")
    parser.add_argument(
        "--source-format",
        default="torchvision",
        help="which library wrote SOURCE; seg.models.importers.IMPORTERS lists them (default: %(default)s)",
    )
    parser.add_argument(
        "--config", help="the config whose model SOURCE fits (default: the format's own, configs/NAME.py beside tools/)"
    )
    add_overwrite_argument(parser)
    args = parser.parse_args(argv)
    output = check_output_file(args.output, "--output", args.overwrite)  # before any tensor is read
    import torch  # heavy imports after the arguments and the output are checked

    from seg.models import build_model, load_weights
    from seg.models.importers import IMPORTERS, import_checkpoint

    if args.source_format not in IMPORTERS:
        raise ConfigError(f"--source-format {args.source_format!r} is not known; use one of {', '.join(IMPORTERS)}.")
    importer = IMPORTERS[args.source_format]
    config_path = Path(args.config) if args.config else CONFIGS / f"{importer.config_name}.py"
    config = load_config(config_path)
    checkpoint = import_checkpoint(args.source, config, args.source_format)
    output.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, output)
    load_weights(build_model(config.model), output)  # read back through the path every tool uses
    tensors = len(checkpoint["state_dict"])
    print(f"wrote {output}: {tensors} tensors from {args.source} ({args.source_format}), config {config.name}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
