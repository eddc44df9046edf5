"""ONNX Runtime on the CPU: the runner of ``.onnx`` exports (fp32 or INT8 QDQ) behind the one ``Predictor``.

The session has every graph optimisation on, runs sequentially and takes a fixed intra-op thread count, so
benchmarks compare runtimes at equal threads. The file's custom metadata (``seg.export.metadata``) is kept on
the runner for the model card; a file exported with its labels baked in (an argmax output) is refused here,
since the Predictor needs logits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import Tensor

from seg.config import ConfigError
from seg.runtimes.backends import check_fits


def ort_session(
    path: str | Path, threads: int | None = None, profile_prefix: str | None = None
) -> ort.InferenceSession:
    """An ONNX Runtime CPU session with every graph optimisation on and a fixed intra-op thread count."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "ONNX model does not exist (export one with tools/export_onnx.py)", str(path))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own types (InvalidProtobuf, Fail) for a bad file
        raise ConfigError(
            f"ONNX Runtime cannot load {path} ({type(error).__name__}: {str(error).splitlines()[0]}). "
            "It may be truncated or not an ONNX model; export it again with tools/export_onnx.py."
        ) from None


class OnnxRunner:
    """An ONNX Runtime session (fp32 or INT8 QDQ) with ``intra_op_num_threads`` set."""

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        self.path = Path(path)
        self.session = ort_session(path, threads)
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if len(inputs) != 1:
            raise ValueError(f"ONNX model {path} has {len(inputs)} inputs; seg exports one image input. Re-export it.")
        self.input_name = inputs[0].name
        self.output_name = outputs[0].name
        # Static dimensions are ints, dynamic ones strings (e.g. "height").
        self.input_shape = inputs[0].shape
        self.outputs_labels = outputs[0].type != "tensor(float)"
        self.int8 = any(node_type == "QuantizeLinear" for node_type in _op_types(path))
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map)
        self.description = f"onnxruntime {ort.__version__} CPU, {'INT8 QDQ' if self.int8 else 'fp32'}"

    def __call__(self, batch: Tensor) -> Tensor:
        array = np.ascontiguousarray(batch.detach().cpu().numpy(), dtype=np.float32)
        return torch.from_numpy(self.session.run([self.output_name], {self.input_name: array})[0])

    def num_classes(self) -> int | None:
        """The class axis of the logits, when the graph fixes it."""
        classes = self.session.get_outputs()[0].shape[1]
        return classes if isinstance(classes, int) else None

    def check(self, num_classes: int, input_size: tuple[int, int] | None) -> None:
        """Fail with the fix when this file cannot serve a predictor for ``num_classes`` at ``input_size``."""
        if self.outputs_labels:
            raise ConfigError(
                f"{self.path} outputs label maps (exported with --labels); the Predictor needs logits. "
                "Re-export without --labels."
            )
        check_fits(self.path, self.static_size(), self.num_classes(), num_classes, input_size)

    def synchronize(self) -> None:
        """ONNX Runtime's CPU ``run`` returns when the result is ready."""

    def static_size(self) -> tuple[int, int] | None:
        """(H, W) when the model was exported with a fixed input size, else None."""
        height, width = self.input_shape[2], self.input_shape[3]
        return (height, width) if isinstance(height, int) and isinstance(width, int) else None


def _op_types(path: str | Path) -> set[str]:
    return {node.op_type for node in onnx.load(str(path), load_external_data=False).graph.node}
