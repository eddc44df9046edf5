"""The one table of backends (how a model can run) and the runtime a model file needs, without importing any.

Tools read their ``--backend`` choices from here while parsing arguments, before torch or ONNX Runtime is
loaded; ``seg.deploy.runtime`` builds the runners.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import ConfigError


@dataclass(frozen=True)
class Backend:
    """One way to run a model: the runtime that runs it and how."""

    name: str
    runtime: str  # "torch" runs checkpoints and state dicts; "onnxruntime" runs .onnx files
    channels_last: bool = False
    compile: bool = False
    int8: bool = False  # benchmarks quantize the export first (seg.deploy.quantize)
    bf16: bool = False  # float ops in bf16 (OpenVINO's INFERENCE_PRECISION_HINT; seg/deploy/openvino.py)


# The one list of backends: every tool's --backend / --backends choices come from here.
BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend("torch", "torch"),
        Backend("torch-channels-last", "torch", channels_last=True),
        Backend("torch-compile", "torch", channels_last=True, compile=True),
        Backend("onnxruntime", "onnxruntime"),
        Backend("onnxruntime-int8", "onnxruntime", int8=True),
        # The mobile runtimes (extras .[litert] / .[executorch]; seg/deploy/litert.py, seg/deploy/executorch.py).
        Backend("litert", "litert"),
        Backend("litert-int8", "litert", int8=True),
        Backend("executorch", "executorch"),
        Backend("executorch-int8", "executorch", int8=True),
        # OpenVINO's CPU plugin (extra .[openvino]; seg/deploy/openvino.py, INT8 through NNCF).
        Backend("openvino", "openvino"),
        Backend("openvino-bf16", "openvino", bf16=True),
        Backend("openvino-int8", "openvino", int8=True),
    )
}
# Runtime -> the model-file suffixes it runs (anything else is a checkpoint or state dict for torch).
RUNTIME_SUFFIXES: dict[str, tuple[str, ...]] = {
    "onnxruntime": (".onnx",),
    "litert": (".tflite",),
    "executorch": (".pte",),
    "openvino": (".xml",),
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
# torchvision reference rows of the benchmarks: its stock LR-ASPP, and one matched to the first config.
REFERENCES = ("stock", "matched")


def runtime_of(weights: str | Path | None) -> str:
    """The runtime that runs ``weights``, from its suffix: an .onnx file runs on ONNX Runtime, the rest on torch."""
    suffix = Path(weights).suffix.lower() if weights is not None else ""
    return next((runtime for runtime, suffixes in RUNTIME_SUFFIXES.items() if suffix in suffixes), "torch")


def choose_backend(backend: str | None, weights: str | Path | None) -> str:
    """``backend``, or the default for ``weights`` (None: the file's runtime), after checking that it can run them."""
    runtime = runtime_of(weights)
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
