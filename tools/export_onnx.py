"""Export to ONNX: tools/export.py with --format onnx (kept so existing command lines keep working).

python tools/export_onnx.py [CONFIG.py] [CHECKPOINT] --output model.onnx [--dynamic] [--int8 --calibration DIR]
`python tools/export.py --help` lists every option.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import export

from seg.cli import run_tool


def main(argv: Sequence[str] | None = None) -> int:
    return export.main(["--format", "onnx", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(run_tool(main))
