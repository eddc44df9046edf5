"""Writing exports: ONNX (``onnx``), LiteRT (``litert``), ExecuTorch (``executorch``), OpenVINO (``openvino``), ONNX
INT8 (``quantize``, ``saturation``), the metadata every file carries (``metadata``), parity with PyTorch
(``verify``) and the export job behind ``tools/export.py`` (``job``). Each runtime's package is imported inside
its module's functions (docs/deployment.md)."""
