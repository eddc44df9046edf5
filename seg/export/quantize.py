"""Static INT8 quantization of an exported model with ``onnxruntime.quantization`` (QDQ, per-channel 7-bit weights).

ONNX Runtime's CPU int8 kernels cover Conv, MatMul, Add, Mul, Sigmoid, GlobalAveragePool, AveragePool,
Concat and Resize, but not HardSwish, HardSigmoid or ReduceMean; a QDQ node of those types runs as
dequantize -> float op -> quantize. Before calibration the fp32 graph is therefore rewritten into
equivalent ops that do have int8 kernels (:func:`rewrite_for_int8`):

- ``ReduceMean`` over H, W (how the dynamo exporter lowers the SE and decoder global pools)
  -> ``GlobalAveragePool`` -> ``QLinearGlobalAveragePool``;
- ``Conv -> HardSigmoid`` (the SE gate, Sec. 5.3) -> ``Conv`` with the slope and offset folded into
  its weights and bias, then ``Clip(0, 1)``, which the output quantization absorbs;
- ``HardSwish(y)`` -> ``y * Clip(y / 6 + 1/2, 0, 1)`` -> ``QLinearMul``, ``QLinearAdd``, ``QLinearMul``.

The decoder's last layers (classifiers, their sum and the final resize) stay in float
(:func:`head_tail_nodes`): they are about 1% of the MAdds, and logits quantized to 8 bits flip the
argmax wherever two classes are close.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quant_pre_process,
    quantize_static,
)
from onnxruntime.quantization.registry import QDQRegistry, QLinearOpsRegistry

from seg.export.metadata import write_metadata
from seg.inference.card import read_metadata

# seg.runtimes.backends.ONNX_CALIBRATION_METHODS (the names tools/export.py --calibration-method takes, read
# without importing ONNX Runtime) as ONNX Runtime's calibrators. Not offered: Entropy, whose scales came out
# identical to MinMax's on every tensor of the toy checkpoint's export (onnxruntime 1.32).
CALIBRATION_METHODS = {"percentile": CalibrationMethod.Percentile, "minmax": CalibrationMethod.MinMax}


class ImageCalibrationReader(CalibrationDataReader):
    """Feeds preprocessed images, one at a time, to ``quantize_static``'s calibration."""

    def __init__(
        self, images: Sequence[np.ndarray], preprocess: Callable[[np.ndarray], Any], input_name: str = "images"
    ) -> None:
        self.images, self.preprocess, self.input_name = images, preprocess, input_name
        self.index = 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self.index >= len(self.images):
            return None
        self.index += 1
        batch = self.preprocess(self.images[self.index - 1])  # the Predictor's preprocess: a float32 tensor
        return {self.input_name: np.ascontiguousarray(np.asarray(batch), dtype=np.float32)}

    def rewind(self) -> None:
        self.index = 0


def rewrite_for_int8(model: onnx.ModelProto) -> Counter:
    """Rewrite ``model`` in place into ops that ONNX Runtime runs in int8 (see the module docstring)."""
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    producers = {name: node for node in graph.node for name in node.output}
    consumers = Counter(name for node in graph.node for name in node.input)
    done: Counter = Counter()
    constants = {"half": 0.5, "sixth": 1.0 / 6.0, "zero": 0.0, "one": 1.0}
    for key, value in constants.items():
        graph.initializer.append(numpy_helper.from_array(np.array(value, dtype=np.float32), f"int8_rewrite_{key}"))
    nodes = []
    for node in graph.node:
        if node.op_type == "ReduceMean" and _reduces_spatial(node, initializers):
            node.op_type = "GlobalAveragePool"
            del node.input[1:]
            del node.attribute[:]
            done["ReduceMean -> GlobalAveragePool"] += 1
        elif node.op_type == "HardSigmoid" and _fold_into_conv(node, producers, consumers, initializers, graph):
            done["Conv -> HardSigmoid -> Conv -> Clip"] += 1
        elif node.op_type == "HardSwish":
            y, base = node.input[0], node.output[0]
            nodes += [
                helper.make_node("Mul", [y, "int8_rewrite_sixth"], [f"{base}_scaled"], f"{base}_scale"),
                helper.make_node("Add", [f"{base}_scaled", "int8_rewrite_half"], [f"{base}_shifted"], f"{base}_shift"),
                helper.make_node("Clip", [f"{base}_shifted", "int8_rewrite_zero", "int8_rewrite_one"], [f"{base}_gate"], f"{base}_clip"),
                helper.make_node("Mul", [y, f"{base}_gate"], list(node.output), f"{base}_gated"),
            ]  # fmt: skip
            done["HardSwish -> y * Clip(y/6 + 1/2, 0, 1)"] += 1
            continue
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    return done


def _reduces_spatial(node: onnx.NodeProto, initializers: dict) -> bool:
    axes = next((list(a.ints) for a in node.attribute if a.name == "axes"), None)
    if axes is None and len(node.input) > 1 and node.input[1] in initializers:
        axes = numpy_helper.to_array(initializers[node.input[1]]).tolist()
    keepdims = next((a.i for a in node.attribute if a.name == "keepdims"), 1)
    return keepdims == 1 and sorted(axes or []) in ([2, 3], [-2, -1])


def _fold_into_conv(
    node: onnx.NodeProto, producers: dict, consumers: Counter, initializers: dict, graph: onnx.GraphProto
) -> bool:
    """HardSigmoid(conv(x)) = Clip(conv'(x), 0, 1) with conv' = alpha * conv + beta; only for a conv used once."""
    conv = producers.get(node.input[0])
    if conv is None or conv.op_type != "Conv" or consumers[conv.output[0]] != 1 or conv.input[1] not in initializers:
        return False
    alpha = next((a.f for a in node.attribute if a.name == "alpha"), 0.2)
    beta = next((a.f for a in node.attribute if a.name == "beta"), 0.5)
    weight = numpy_helper.to_array(initializers[conv.input[1]])
    if len(conv.input) > 2 and conv.input[2] in initializers:
        bias = numpy_helper.to_array(initializers[conv.input[2]])
    else:
        bias = np.zeros(weight.shape[0], dtype=np.float32)
        conv.input[2:] = [f"{conv.output[0]}_folded_bias"]
    initializers[conv.input[1]].CopyFrom(numpy_helper.from_array((weight * alpha).astype(np.float32), conv.input[1]))
    folded_bias = numpy_helper.from_array((bias * alpha + beta).astype(np.float32), conv.input[2])
    if conv.input[2] in initializers:
        initializers[conv.input[2]].CopyFrom(folded_bias)
    else:
        graph.initializer.append(folded_bias)
    node.op_type = "Clip"
    del node.attribute[:]
    node.input.extend(["int8_rewrite_zero", "int8_rewrite_one"])
    return True


def head_tail_nodes(model: onnx.ModelProto) -> list[str]:
    """Names of the nodes from the graph output back to the last convolution on every data path (inclusive)."""
    data = {name for node in data_nodes(model.graph) for name in node.output}
    producers = {name: node for node in model.graph.node for name in node.output}
    tail: list[str] = []
    stack = [output.name for output in model.graph.output]
    while stack:
        node = producers.get(stack.pop())
        if node is None or node.name in tail:
            continue
        tail.append(node.name)
        if node.op_type != "Conv":
            # Data inputs only: a Resize's target size is shape arithmetic, not part of the tail.
            stack += [name for name in node.input if name in data]
    return tail


def data_nodes(graph: onnx.GraphProto) -> list[onnx.NodeProto]:
    """Nodes that compute on image data: reachable from the graph input without passing through ``Shape``.

    The rest (window matrices of the paper pool, resize targets) is shape arithmetic on a few integers.
    """
    reached = {graph_input.name for graph_input in graph.input}
    found = []
    for node in graph.node:  # ONNX graphs are topologically sorted
        if node.op_type != "Shape" and any(name in reached for name in node.input):
            reached.update(node.output)
            found.append(node)
    return found


@dataclass(frozen=True)
class QuantizationSummary:
    rewrites: dict[str, int]  # rewrite -> count (rewrite_for_int8)
    kept_float: list[str]  # nodes excluded on purpose (head_tail_nodes)
    int8_ops: dict[str, int]  # op type -> count, int8 kernels in ONNX Runtime's optimised graph
    float_ops: dict[str, int]  # op type -> count, data ops that still run in float there


def quantize_int8(
    fp32_path: str | Path,
    int8_path: str | Path,
    reader: CalibrationDataReader,
    calibrate_method: CalibrationMethod = CalibrationMethod.Percentile,
    reduce_range: bool = True,
) -> QuantizationSummary:
    """fp32 ONNX -> INT8 QDQ ONNX: rewrite, ``quant_pre_process``, then ``quantize_static`` (per-channel).

    ``reduce_range`` keeps weights to 7 bits so that no x86 CPU saturates (see the comment at the call); False
    gives full 8-bit weights, exact only on CPUs with VNNI, AMX or ARM's dot products.

    ``calibrate_method``: activation ranges from the 99.999th percentile of each tensor's histogram
    (ONNX Runtime's ``Percentile`` default) rather than its min and max, so that a few outlier activations do not
    widen a range and coarsen every other value. On the toy main job's checkpoint (50 held-out val images,
    docs/deployment.md#int8) it raised argmax agreement with fp32 from 97.68% (MinMax) to 98.10%.
    """
    fp32_path, int8_path = Path(fp32_path), Path(int8_path)
    model = onnx.load(str(fp32_path))
    rewrites = rewrite_for_int8(model)
    # ONNX Runtime warns about every initializer the rewrites leave unused; errors still print.
    ort.set_default_logger_severity(3)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rewritten, prepared = Path(tmp) / "rewritten.onnx", Path(tmp) / "prepared.onnx"
            onnx.save(model, str(rewritten))
            # Symbolic shape inference cannot follow the paper pool's shape arithmetic (and a CNN does not
            # need it); ONNX shape inference and ONNX Runtime's graph cleanup still run.
            quant_pre_process(str(rewritten), str(prepared), skip_symbolic_shape=True)
            kept = head_tail_nodes(onnx.load(str(prepared)))
            quantize_static(
                str(prepared),
                str(int8_path),
                reader,
                quant_format=QuantFormat.QDQ,
                per_channel=True,
                activation_type=QuantType.QUInt8,  # u8 activations x s8 weights: the VNNI / AMX kernels of MLAS
                weight_type=QuantType.QInt8,
                # 7-bit weights (-64..64): on x86 without VNNI, MLAS's u8s8 kernels sum byte pairs with VPMADDUBSW
                # into int16, and 255 * 127 * 2 > 32767 saturates (0.96 agreement measured on an AVX2-only EPYC);
                # 255 * 64 * 2 = 32640 cannot (seg.export.saturation). ONNX Runtime's quantize_static docs name
                # reduce_range for these CPUs; VNNI / AMX run the same kernels at the same speed either way.
                reduce_range=reduce_range,
                op_types_to_quantize=sorted(set(QDQRegistry) | set(QLinearOpsRegistry)),
                nodes_to_exclude=kept,
                calibrate_method=calibrate_method,
            )
    finally:
        ort.set_default_logger_severity(2)  # ONNX Runtime's default: warnings
    write_metadata(int8_path, read_metadata(fp32_path))  # class names, colours, statistics (seg.export.metadata)
    int8_ops, float_ops = runtime_precision(int8_path)
    return QuantizationSummary(dict(rewrites), kept, int8_ops, float_ops)


def runtime_precision(path: str | Path) -> tuple[dict[str, int], dict[str, int]]:
    """(int8 op types, float data op types) in the graph ONNX Runtime actually runs after its QDQ fusions.

    A node runs in int8 when it is a ``QLinear*`` kernel or its data input is already quantized (a
    uint8 Resize or Transpose between two int8 kernels); anything else on the data path is float.
    """
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.log_severity_level = 3
    with tempfile.TemporaryDirectory() as tmp:
        options.optimized_model_filepath = str(Path(tmp) / "optimized.onnx")
        ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        graph = onnx.load(options.optimized_model_filepath).graph
    quantized: set[str] = set()
    int8: Counter = Counter()
    floating: Counter = Counter()
    for node in data_nodes(graph):
        if node.op_type == "QuantizeLinear":
            quantized.update(node.output)
        elif node.op_type == "DequantizeLinear":
            continue
        elif node.op_type.startswith("QLinear") or node.input[0] in quantized:
            int8[node.op_type] += 1
            quantized.update(node.output)
        else:
            floating[node.op_type] += 1
    return dict(int8), dict(floating)
