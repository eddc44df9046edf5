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
import io
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seg.errors import ExportError
from seg.models.fuse import export_copy
from seg.outputs import plain_file_mode
from seg.runtimes.litert import SIGNATURE, _interpreter


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
    model = export_copy(model, fold_bn)
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


def quantize_litert_int8(
    float_path: str | Path, output_path: str | Path, calibration: Sequence[np.ndarray], float_tail: bool = True
) -> Path:
    """Static INT8 (int8 weights per channel, int8 activations) of a float ``.tflite`` with ai-edge-quantizer.

    ``calibration``: preprocessed float32 batches [N, 3, H, W] at the model's export size; the activation
    ranges are the min/max over them (the quantizer's default algorithm). ``float_tail`` keeps the ops from
    the output back to the last convolution on every path (the classifiers, their sum, the final resize) in
    float, as the ONNX INT8 export does (:func:`seg.export.quantize.head_tail_nodes`): about 1% of the MAdds,
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
