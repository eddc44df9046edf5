"""Deployment: the runtimes behind the one Predictor, ONNX export and verification, INT8 quantization,
benchmarks and decoder comparisons."""

from .export import ExportError, export_onnx, verify_onnx
from .quantize import quantize_int8
from .runtime import BACKENDS, load_predictor

__all__ = ["BACKENDS", "ExportError", "export_onnx", "load_predictor", "quantize_int8", "verify_onnx"]
