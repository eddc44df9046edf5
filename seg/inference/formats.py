"""Which runtime runs a model file, from its suffix alone (no import of any runtime, so tools can ask while they
parse their arguments)."""

from __future__ import annotations

from pathlib import Path

# Runtime -> the model-file suffixes it runs (anything else is a checkpoint or state dict for torch).
RUNTIME_SUFFIXES: dict[str, tuple[str, ...]] = {
    "onnxruntime": (".onnx",),
    "litert": (".tflite",),
    "executorch": (".pte",),
    "openvino": (".xml",),
}


def runtime_of(path: str | Path | None) -> str:
    """The runtime that runs ``path``: an export runs on its runtime, anything else (a checkpoint) on torch."""
    suffix = Path(path).suffix.lower() if path is not None else ""
    return next((runtime for runtime, suffixes in RUNTIME_SUFFIXES.items() if suffix in suffixes), "torch")
