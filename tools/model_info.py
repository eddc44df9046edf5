"""Parameters and multiply-adds of a config's model, split into backbone and decoder.

python tools/model_info.py configs/lraspp_large_cityscapes.py --input-size 1024 2048
python tools/model_info.py configs/lraspp_small_cityscapes.py --set model.output_stride=32 --json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from seg.cli import add_override_argument, run_tool
from seg.config import load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", help="a config file, e.g. configs/lraspp_large_cityscapes.py")
    parser.add_argument("--input-size", nargs=2, type=int, default=(1024, 2048), metavar=("H", "W"))
    add_override_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    config = load_config(args.config, args.overrides)
    from seg.models import build_model  # imports torch: after the arguments and the config are checked
    from seg.models.complexity import count_complexity

    model = build_model(config.model)
    counts = count_complexity(model, tuple(args.input_size))
    m = config.model
    if args.json:
        print(json.dumps({"config": config.name, "model": dataclasses.asdict(m), **dataclasses.asdict(counts)}))
        return 0
    height, width = counts.input_size
    print(
        f"{config.name}: {m.backbone} (width {m.width_mult}, output stride {m.output_stride}, reduced tail {m.reduced_tail}) "
        f"+ {m.head} (F={m.head_channels}), {m.num_classes} classes, input {height}x{width}"
    )
    print(f"{'':10}{'params':>12}{'MAdds':>14}")
    for part, params, madds in (
        ("backbone", counts.backbone_params, counts.backbone_madds),
        ("decoder", counts.decoder_params, counts.decoder_madds),
        ("total", counts.params, counts.madds),
    ):
        print(f"{part:10}{params / 1e6:>11.3f}M{madds / 1e9:>13.3f}B")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
