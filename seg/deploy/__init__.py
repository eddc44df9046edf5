"""Deployment: the Predictor (one inference path for PyTorch and ONNX Runtime), ONNX export and
verification, INT8 quantization, benchmarks and decoder comparisons."""

from .export import ExportError, export_onnx, verify_onnx
from .predictor import BACKENDS, Predictor
from .quantize import quantize_int8

__all__ = ["BACKENDS", "ExportError", "Predictor", "export_onnx", "quantize_int8", "verify_onnx"]
