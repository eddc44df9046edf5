"""LiteRT (the new name of TensorFlow Lite) export with litert-torch, its XNNPACK runner, and static INT8.

The paper measures latency with TensorFlow Lite on Pixel phones (Sec. 6.1); a ``.tflite`` file is what a user
ships to Android. Three facts measured with litert-torch 0.10 / ai-edge-litert 2.3 decide this module:

- The graph keeps the segmentor's NCHW input and output (the converter wraps its NHWC kernels in
  transposes), so :class:`LiteRTRunner` has the same interface as ONNX Runtime's runner.
- Height and width are fixed at export. Exported with symbolic H and W, the converter folds the decoder's
  resize target (the 1/16 features resized to the 1/8 ones) to its export-time size; at any other size the
  interpreter fails with "Given shapes, [2,12,20,19] and [2,8,16,19], are not broadcastable" (and XNNPACK
  with "failed to reshape"). :func:`export_litert` therefore refuses ``dynamic=True`` with that reason. The
  batch axis does follow the input, so the graph is exported with a symbolic batch.
- ai-edge-quantizer's static recipe (int8 weights per channel, int8 activations, min/max calibration)
  quantizes the converted float file; calibration runs the float model on the given batches.

The imports of litert-torch, ai-edge-litert and ai-edge-quantizer are inside the functions: they are the
optional ``.[litert]`` extra, and the rest of ``seg`` must import without them.
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seg.outputs import plain_file_mode

from .export import ExportError
from .fuse import fold_batchnorm

# The name litert-torch gives the one signature of a converted module.
SIGNATURE = "serving_default"


def export_litert(
    model: nn.Module,
    path: str | Path,
    input_size: tuple[int, int] = (512, 1024),
    dynamic: bool = False,
    fold_bn: bool = True,
) -> Path:
    """Convert ``model`` (float images [N, 3, H, W] -> logits [N, C, H, W]) to a ``.tflite`` file at ``path``.

    H and W are fixed to ``input_size`` (see the module docstring for why ``dynamic`` is refused); the batch
    axis is symbolic. BatchNorm is folded first, as for ONNX.
    """
    if dynamic:
        raise ExportError(
            "LiteRT exports have a fixed height and width: litert-torch folds the decoder's resize target to the "
            "export size, so the file would fail at any other size. Export at the size you will run "
            f"(--input-size, now {input_size[0]} {input_size[1]}), or use ONNX or ExecuTorch for dynamic sizes."
        )
    import litert_torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = fold_batchnorm(model) if fold_bn else copy.deepcopy(model).eval()
    # torch.export specialises a size-1 dimension to a constant, so the example batch is 2 to keep N symbolic.
    example = torch.randn(2, 3, *input_size)
    batch = torch.export.Dim("batch", min=1, max=1024)
    log = io.StringIO()
    # The converter prints a progress tree and torch.export warns about its internals; keep both out of tools' output.
    with warnings.catch_warnings(), contextlib.redirect_stdout(log):
        warnings.simplefilter("ignore")
        try:
            edge_model = litert_torch.convert(model, (example,), dynamic_shapes={"images": {0: batch}})
        except Exception:  # noqa: BLE001 - the JAX bridge raises many types for shape arithmetic it cannot trace
            # A symbolic batch fails where the graph computes shapes from the input (the authors' crop-derived gate
            # pool): convert at batch 1, what a phone runs.
            try:
                edge_model = litert_torch.convert(model, (example[:1],))
            except Exception as error:  # noqa: BLE001
                first = str(error).splitlines()[0] if str(error) else ""
                raise ExportError(
                    f"litert-torch could not convert this model ({type(error).__name__}: {first}). "
                    "Export it with --format onnx or executorch instead."
                ) from None
        edge_model.export(str(path))
    return plain_file_mode(path)


def _interpreter(path: Path, threads: int | None):
    from ai_edge_litert.interpreter import Interpreter

    if not path.is_file():
        raise FileNotFoundError(
            f"LiteRT model {path} does not exist. Export one with seg.deploy.litert.export_litert (--format litert)."
        )
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}.")
    # The default op resolver applies the XNNPACK delegate to every op it supports.
    return Interpreter(model_path=str(path), num_threads=threads)


class LiteRTRunner:
    """A ``.tflite`` model on the LiteRT interpreter with the XNNPACK delegate, ``num_threads`` set.

    Same interface as :class:`seg.deploy.runtime.OnnxRunner`: float32 [N, 3, h, w] in, float32 logits out.
    """

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        import ai_edge_litert

        self.path = Path(path)
        self.interpreter = _interpreter(self.path, threads)
        inputs, outputs = self.interpreter.get_input_details(), self.interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ValueError(
                f"LiteRT model {path} has {len(inputs)} inputs and {len(outputs)} outputs; seg exports one of each. "
                "Re-export it."
            )
        self.input_index, self.output_index = inputs[0]["index"], outputs[0]["index"]
        # A fully quantized model takes and returns int8 (scale, zero point); the runner converts at the edges.
        self.input_quantization = _quantization(inputs[0])
        self.output_quantization = _quantization(outputs[0])
        self.input_shape = tuple(int(d) for d in inputs[0]["shape_signature"])  # -1 marks a symbolic axis
        self.batch = int(inputs[0]["shape"][0])
        self.interpreter.allocate_tensors()
        self.int8 = any(detail["dtype"] == np.int8 for detail in self.interpreter.get_tensor_details())
        version = getattr(ai_edge_litert, "__version__", "")
        self.description = f"LiteRT {version} XNNPACK, {'INT8' if self.int8 else 'fp32'}".replace("  ", " ")

    def __call__(self, batch: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
        """Logits for ``batch``, as a tensor for a tensor (the Predictor's runners) and an array for an array."""
        if isinstance(batch, torch.Tensor):
            return torch.from_numpy(self(batch.detach().cpu().numpy()))
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        size = self.static_size()
        if batch.ndim != 4 or batch.shape[1] != 3 or (size is not None and batch.shape[2:] != size):
            raise ValueError(
                f"LiteRT model {self.path} takes float32 [N, 3, {size[0]}, {size[1]}] (its export size); "
                f"got {batch.shape}. Resize the images, or re-export at this size."
            )
        if batch.shape[0] != self.batch:
            if self.input_shape[0] != -1:
                raise ValueError(
                    f"LiteRT model {self.path} was exported for batch {self.input_shape[0]}; got {batch.shape[0]}."
                )
            self.interpreter.resize_tensor_input(self.input_index, list(batch.shape))
            self.interpreter.allocate_tensors()
            self.batch = batch.shape[0]
        if self.input_quantization is not None:
            scale, zero_point = self.input_quantization
            batch = np.clip(np.round(batch / scale) + zero_point, -128, 127).astype(np.int8)
        self.interpreter.set_tensor(self.input_index, batch)
        self.interpreter.invoke()
        # get_tensor copies out of the interpreter's arena, which the next invoke overwrites.
        logits = self.interpreter.get_tensor(self.output_index)
        if self.output_quantization is not None:
            scale, zero_point = self.output_quantization
            logits = (logits.astype(np.float32) - zero_point) * np.float32(scale)
        return logits

    def synchronize(self) -> None:
        """The interpreter's ``invoke`` returns when the result is ready."""

    def static_size(self) -> tuple[int, int] | None:
        """(H, W): LiteRT exports are always fixed-size (see the module docstring)."""
        height, width = self.input_shape[2], self.input_shape[3]
        return (height, width) if height > 0 and width > 0 else None


def _quantization(detail: dict) -> tuple[float, int] | None:
    """(scale, zero point) of an int8 graph input or output, None for a float one."""
    if detail["dtype"] == np.float32:
        return None
    if detail["dtype"] != np.int8:
        raise ValueError(f"LiteRT tensor {detail['name']} is {detail['dtype']}; seg's runner reads float32 or int8.")
    scale, zero_point = detail["quantization"]
    return float(scale), int(zero_point)


def quantize_litert_int8(
    float_path: str | Path, output_path: str | Path, calibration: Sequence[np.ndarray], float_tail: bool = True
) -> Path:
    """Static INT8 (int8 weights per channel, int8 activations) of a float ``.tflite`` with ai-edge-quantizer.

    ``calibration``: preprocessed float32 batches [N, 3, H, W] at the model's export size; the activation
    ranges are the min/max over them (the quantizer's default algorithm). ``float_tail`` keeps the ops from
    the output back to the last convolution on every path (the classifiers, their sum, the final resize) in
    float, as the ONNX INT8 export does (:func:`seg.deploy.quantize.head_tail_nodes`): about 1% of the MAdds,
    and logits on an 8-bit grid flip the argmax wherever two classes are close.
    """
    from ai_edge_quantizer import quantizer, recipe
    from ai_edge_quantizer.utils import tfl_flatbuffer_utils

    if not calibration:
        raise ValueError("quantize_litert_int8 needs at least one calibration batch.")
    float_path, output_path = Path(float_path), Path(output_path)
    interpreter = _interpreter(float_path, threads=1)
    input_name = interpreter.get_signature_list()[SIGNATURE]["inputs"][0]
    rules = recipe.static_wi8_ai8()
    if float_tail:
        # The recipe matches an op by its "scope" (its output tensor names); the last matching rule wins.
        flatbuffer = tfl_flatbuffer_utils.read_model(float_path)
        tensors = flatbuffer.subgraphs[0].tensors
        for op in tail_ops(flatbuffer):
            scope = tfl_flatbuffer_utils.get_op_scope(op, tensors)
            rules.append({"regex": f"^{re.escape(scope)}$", "operation": "*", "algorithm_key": "no_quantize"})
    quant = quantizer.Quantizer(str(float_path), rules)
    samples = [{input_name: np.ascontiguousarray(batch, dtype=np.float32)} for batch in calibration]
    log = io.StringIO()
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        ranges = quant.calibrate({SIGNATURE: samples})
        result = quant.quantize(ranges)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    result.export_model(str(output_path), overwrite=True)
    plain_file_mode(output_path)
    return output_path


def tail_ops(flatbuffer) -> list:
    """Operators of the first subgraph from its outputs back to the last CONV_2D on every path (inclusive)."""
    graph = flatbuffer.subgraphs[0]
    producers = {tensor: op for op in graph.operators for tensor in op.outputs}
    codes = [code.builtinCode for code in flatbuffer.operatorCodes]
    conv = _builtin_code("CONV_2D")
    tail, stack = [], list(graph.outputs)
    while stack:
        op = producers.get(stack.pop())
        if op is None or any(op is seen for seen in tail):
            continue
        tail.append(op)
        if codes[op.opcodeIndex] != conv:
            stack += [tensor for tensor in op.inputs if tensor in producers]
    return tail


def _builtin_code(name: str) -> int:
    from ai_edge_litert import schema_py_generated

    return getattr(schema_py_generated.BuiltinOperator, name)
