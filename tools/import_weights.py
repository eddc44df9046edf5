"""Turn another library's trained weights into a checkpoint every tool takes with its config.

python tools/import_weights.py lraspp_mobilenet_v3_large-d234d4ea.pth --output lraspp_coco_voc.ckpt
python tools/export_onnx.py configs/lraspp_large_coco_voc.py lraspp_coco_voc.ckpt --output voc.onnx --dynamic

python tools/import_weights.py deeplab_mnv3_large_cityscapes_trainfine_2019_11_15.tar.gz --output mnv3_large.ckpt

SOURCE is a file you downloaded (nothing is downloaded here): a state dict, e.g. torchvision's COCO-trained
LR-ASPP (Pascal VOC classes): torchvision.models.segmentation.LRASPP_MobileNet_V3_Large_Weights.
COCO_WITH_VOC_LABELS_V1.url, or torch.save(model.state_dict(), PATH) of a model you trained with torchvision;
or the authors' TensorFlow checkpoint from the DeepLab model zoo (mobilenetv3_{large,small}_cityscapes_trainfine):
the tarball as downloaded, the folder it extracts to, or its model.ckpt-NNN prefix (docs/model_zoo.md).
The checkpoint stores the config, so test/infer/export/benchmark rebuild the same model. A file of another
architecture or class count is refused with a message naming the keys or variables.
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
    parser.add_argument("source", help="the file to import: a state dict (.pth) or a TensorFlow checkpoint")
    parser.add_argument("--output", required=True, help="the checkpoint to write")
    parser.add_argument(
        "--source-format",
        default="auto",
        help="which library wrote SOURCE: auto (a tarball, folder or model.ckpt prefix is tensorflow, else "
        "torchvision) or one of seg.models.importers.IMPORTERS (default: %(default)s)",
    )
    parser.add_argument(
        "--config", help="the config whose model SOURCE fits (default: the format's own, configs/NAME.py beside tools/)"
    )
    add_overwrite_argument(parser)
    args = parser.parse_args(argv)
    output = check_output_file(args.output, "--output", args.overwrite)  # before any tensor is read
    import torch  # heavy imports after the arguments and the output are checked

    from seg.models import build_model, load_weights
    from seg.models.importers import IMPORTERS, detect_source, import_checkpoint
    from seg.models.importers_tf import import_tf_checkpoint

    source = detect_source(args.source) if args.source_format == "auto" else args.source_format
    if source not in IMPORTERS:
        raise ConfigError(f"--source-format {source!r} is not known; use auto or one of {', '.join(IMPORTERS)}.")
    if source == "tensorflow":  # the config defaults to the released one of the checkpoint's network
        config = load_config(args.config) if args.config else None
        checkpoint, config = import_tf_checkpoint(args.source, config, CONFIGS)
    else:
        config = load_config(Path(args.config) if args.config else CONFIGS / f"{IMPORTERS[source].config_name}.py")
        checkpoint = import_checkpoint(args.source, config, source)
    output.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, output)
    load_weights(build_model(config.model), output)  # read back through the path every tool uses
    tensors = len(checkpoint["state_dict"])
    print(f"wrote {output}: {tensors} tensors from {args.source} ({source}), config {config.name}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
