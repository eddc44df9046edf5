"""Exported files run: the backend table (``backends``), one runner per runtime (``onnxruntime``, ``litert``,
``executorch``, ``openvino``) and the one factory from a model card to a ``Predictor`` (``factory``)."""
