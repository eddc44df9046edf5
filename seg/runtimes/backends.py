"""The one table of backends (how a model can run) and the runtime a model file needs, without importing any.

Tools read their ``--backend`` choices from here while parsing arguments, before torch or ONNX Runtime is
loaded; ``seg.runtimes.factory`` builds the runners.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seg.config import ConfigError
from seg.inference.formats import RUNTIME_SUFFIXES, runtime_of


@dataclass(frozen=True)
class Backend:
    """One way to run a model: the runtime that runs it and how."""

    name: str
    runtime: str  # "torch" runs checkpoints and state dicts; "onnxruntime" runs .onnx files
    channels_last: bool = False
    compile: bool = False
    int8: bool = False  # benchmarks quantize the export first (seg.export.quantize)
    bf16: bool = False  # float ops in bf16 (OpenVINO's INFERENCE_PRECISION_HINT; seg/runtimes/openvino.py)


# The one list of backends: every tool's --backend / --backends choices come from here.
BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend("torch", "torch"),
        Backend("torch-channels-last", "torch", channels_last=True),
        Backend("torch-compile", "torch", channels_last=True, compile=True),
        Backend("onnxruntime", "onnxruntime"),
        Backend("onnxruntime-int8", "onnxruntime", int8=True),
        # The mobile runtimes (extras .[litert] / .[executorch]; seg/runtimes/litert.py, seg/runtimes/executorch.py).
        Backend("litert", "litert"),
        Backend("litert-int8", "litert", int8=True),
        Backend("executorch", "executorch"),
        Backend("executorch-int8", "executorch", int8=True),
        # OpenVINO's CPU plugin (extra .[openvino]; seg/runtimes/openvino.py, INT8 through NNCF).
        Backend("openvino", "openvino"),
        Backend("openvino-bf16", "openvino", bf16=True),
        Backend("openvino-int8", "openvino", int8=True),
    )
}
# tools/export.py --format -> the runtime that runs the file it writes.
FORMATS: dict[str, str] = {
    "onnx": "onnxruntime",
    "litert": "litert",
    "executorch": "executorch",
    "openvino": "openvino",
}
# What each runtime needs installed beyond the base (tools name the extra when it is missing).
RUNTIME_EXTRAS: dict[str, str] = {"litert": "litert", "executorch": "executorch", "openvino": "openvino"}
RUNTIMES = tuple(dict.fromkeys(backend.runtime for backend in BACKENDS.values()))
# The ONNX opset tools/export_onnx.py writes (torch.onnx.export with dynamo=True).
DEFAULT_OPSET = 18
# How ONNX INT8 calibration sets activation ranges (seg.export.quantize); the first is the default.
ONNX_CALIBRATION_METHODS = ("percentile", "minmax")
# torchvision reference rows of the benchmarks: its stock LR-ASPP, and one matched to the first config.
REFERENCES = ("stock", "matched")


def choose_backend(backend: str | None, weights: str | Path | None, runtime: str | None = None) -> str:
    """``backend``, or the default for ``weights`` (None: the file's runtime), after checking that it can run them.
    ``runtime``: the runtime the model needs, when known (else from the file's suffix)."""
    runtime = runtime or runtime_of(weights)
    if backend is None:
        backend = "torch-channels-last" if runtime == "torch" else runtime
    if backend not in BACKENDS:
        raise ConfigError(f"Unknown backend {backend!r}; use one of {', '.join(BACKENDS)}.")
    chosen = BACKENDS[backend]
    if chosen.runtime != runtime or (runtime != "torch" and weights is None):
        if chosen.runtime == "torch":
            raise ConfigError(
                f"--backend {backend} cannot run {weights}: it runs checkpoints, and this file runs on {runtime}. "
                "Leave --backend out (the file picks its runtime)."
            )
        suffix = RUNTIME_SUFFIXES[chosen.runtime][0]
        raise ConfigError(
            f"backend={backend!r} needs weights=PATH{suffix}, got {weights!r}. "
            "Export one with tools/export.py [CONFIG] [CHECKPOINT] "
            f"--format {next(f for f, r in FORMATS.items() if r == chosen.runtime)} --output PATH{suffix}."
        )
    return backend


def check_fits(
    path: str | Path,
    static: tuple[int, int] | None,
    classes: int | None,
    num_classes: int,
    input_size: tuple[int, int] | None,
) -> None:
    """Fail with the fix when an export of fixed size ``static`` and class axis ``classes`` (None: dynamic) cannot
    serve a predictor for ``num_classes`` at ``input_size``; every runner's ``check`` calls it."""
    if static is not None and input_size is not None and input_size != static:
        raise ConfigError(
            f"{path} was exported for a fixed input size {static[0]}x{static[1]} but input_size="
            f"{input_size[0]}x{input_size[1]} was asked for; leave --input-size out (the predictor resizes each "
            "image to the export's size) or re-export with --dynamic."
        )
    if classes is not None and classes != num_classes:
        raise ConfigError(
            f"{path} predicts {classes} classes but the config has model.num_classes={num_classes}; "
            "use the config the model was exported from."
        )
