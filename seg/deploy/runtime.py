"""The two model runners behind :class:`seg.deploy.Predictor`: eager PyTorch and ONNX Runtime.

A runner maps a float32 [N, 3, h, w] batch (already normalised) to float32 logits [N, C, h, w]
and nothing else, so benchmarks time exactly the model on either backend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from ..models.fuse import fold_batchnorm


def set_torch_threads(threads: int | None) -> None:
    """Fix PyTorch's intra-op thread count (process-wide); None keeps PyTorch's default (all cores)."""
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}.")
        torch.set_num_threads(threads)


class TorchRunner:
    """Eager PyTorch under ``torch.inference_mode``: BatchNorm folded, channels-last, optional ``torch.compile``."""

    def __init__(
        self,
        model: nn.Module,
        channels_last: bool = True,
        fold_bn: bool = True,
        compile: bool = False,
        device: str = "cpu",
    ) -> None:
        model = model.eval()
        if fold_bn:
            model = fold_batchnorm(model)
        self.device = torch.device(device)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        model = model.to(self.device, memory_format=self.memory_format)
        # torch.compile traces lazily, on the first call (the benchmark's warm-up absorbs it).
        self.model = torch.compile(model) if compile else model
        self.description = (
            "torch eager" + (", channels-last" if channels_last else "") + (", BN folded" if fold_bn else "")
        )
        self.description += ", torch.compile" if compile else ""

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            images = torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32)).to(self.device)
            logits = self.model(images.contiguous(memory_format=self.memory_format))
            return logits.float().cpu().numpy()

    def synchronize(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)


def ort_session(
    path: str | Path, threads: int | None = None, profile_prefix: str | None = None
) -> ort.InferenceSession:
    """An ONNX Runtime CPU session with every graph optimisation on and a fixed intra-op thread count."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"ONNX model {path} does not exist. Export one with tools/export_onnx.py CONFIG --output {path}."
        )
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


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
        self.description = f"onnxruntime {ort.__version__} CPU, {'INT8 QDQ' if self.int8 else 'fp32'}"

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run([self.output_name], {self.input_name: np.ascontiguousarray(batch, dtype=np.float32)})[0]

    def synchronize(self) -> None:
        """ONNX Runtime's CPU ``run`` returns when the result is ready."""

    def static_size(self) -> tuple[int, int] | None:
        """(H, W) when the model was exported with a fixed input size, else None."""
        height, width = self.input_shape[2], self.input_shape[3]
        return (height, width) if isinstance(height, int) and isinstance(width, int) else None


def _op_types(path: str | Path) -> set[str]:
    return {node.op_type for node in onnx.load(str(path), load_external_data=False).graph.node}
