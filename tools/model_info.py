"""Parameters and multiply-adds of a config's model, split into backbone and decoder.

python tools/model_info.py configs/lraspp_large_cityscapes.py --input-size 1024 2048
python tools/model_info.py configs/lraspp_small_cityscapes.py --set model.output_stride=32 --json
"""

from __future__ import annotations

import dataclasses
import json
import sys

from seg.cli import add_input_size_argument, add_override_argument, run_tool, tool_parser
from seg.config import ConfigError, load_config


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("config", help="a config file, e.g. configs/lraspp_large_cityscapes.py")
    add_input_size_argument(parser, (1024, 2048), minimum=32)
    add_override_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    from seg.models import build_model  # torch loads after the arguments are checked
    from seg.models.complexity import count_complexity

    config = load_config(args.config, args.overrides)
    try:
        model = build_model(config.model)
    except (KeyError, ValueError) as error:  # an unknown backbone or head, a setting the module refuses
        raise ConfigError(f"{args.config}: {error.args[0] if error.args else error}") from None
    counts = count_complexity(model, args.input_size)
    m = config.model
    if args.json:
        print(json.dumps({"config": config.name, "model": dataclasses.asdict(m), **dataclasses.asdict(counts)}))
        return 0
    height, width = counts.input_size
    print(
        f"{config.name}: {m.backbone} (width {m.width_mult}, output stride {m.output_stride}, reduced tail {m.reduced_tail}) "
        f"+ {m.head} (F={m.head_channels}), {m.num_classes} classes, input {height}x{width}"
    )
    gate = f"{m.gate_activation}{' + bias' if m.gate_bias else ''}"
    pool = f"crop {m.pool_crop_size[0]}x{m.pool_crop_size[1]}, stride {m.pool_stride}" if m.pool == "crop" else m.pool
    print(
        f"reading: tail_expansion={m.tail_expansion}, low_level_tap={m.low_level_tap}, "
        f"dilation_start={m.dilation_start}, dilated_block_residual={m.dilated_block_residual}, gate {gate}, "
        f"pool {pool}, align_corners={m.align_corners} (docs/paper_fidelity.md)"
    )
    print(f"{'':10}{'params':>12}{'MAdds':>14}")
    for part, params, madds in (
        ("backbone", counts.backbone_params, counts.backbone_madds),
        ("decoder", counts.decoder_params, counts.decoder_madds),
        ("total", counts.params, counts.madds),
    ):
        print(f"{part:10}{params / 1e6:>11.3f}M{madds / 1e9:>13.3f}B")
    print(
        f"MAdds = convolutions {counts.conv_madds / 1e9:.3f}B + matrix products {counts.matmul_madds / 1e9:.3f}B; "
        f"bilinear resizes write {counts.resize_outputs / 1e6:.1f}M values (not counted)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
