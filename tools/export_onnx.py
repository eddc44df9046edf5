"""Export to ONNX: tools/export.py with --format onnx (kept so existing command lines keep working).

python tools/export_onnx.py [CONFIG.py] [CHECKPOINT] --output model.onnx [--dynamic] [--int8 --calibration DIR]
`python tools/export.py --help` lists every option.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from seg.cli import run_tool


def main(argv: Sequence[str] | None = None) -> int:
    # tools/ is no package: load tools/export.py beside this file, however this one was started.
    spec = importlib.util.spec_from_file_location("seg_tool_export", Path(__file__).with_name("export.py"))
    assert spec is not None and spec.loader is not None
    export = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(export)
    return export.main(["--format", "onnx", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(run_tool(main))
