"""Deployment: the runtimes behind the one Predictor, ONNX export and verification, INT8 quantization,
benchmarks and decoder comparisons.

The names below load on first use, so ``seg.deploy.backends`` (what a tool needs to parse its arguments)
imports without torch or ONNX Runtime.
"""

_NAMES = {
    "ExportError": "export",
    "export_onnx": "export",
    "verify_onnx": "export",
    "quantize_int8": "quantize",
    "load_predictor": "runtime",
    "BACKENDS": "backends",
}


def __getattr__(name: str):
    if name in _NAMES:
        from importlib import import_module

        return getattr(import_module(f"seg.deploy.{_NAMES[name]}"), name)
    raise AttributeError(f"module 'seg.deploy' has no attribute {name!r}")


__all__ = ["BACKENDS", "ExportError", "export_onnx", "load_predictor", "quantize_int8", "verify_onnx"]
