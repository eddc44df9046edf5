"""Does an INT8 QDQ model saturate ONNX Runtime's u8s8 kernels on x86 CPUs without VNNI? Emulated in numpy.

On AVX2 and AVX-512 without VNNI, MLAS multiplies uint8 activations by int8 weights with VPMADDUBSW, which adds
each pair of adjacent products (k, k+1 along the reduction axis) into a *saturating* int16 before VPMADDWD widens
the sums to int32. A pair sum beyond [-32768, 32767] is clamped: the same file then gives other logits on such a
CPU than on one with VNNI (VPDPBUSD sums four products straight into int32) or AMX. This module recomputes those
pair sums for every 1x1 convolution (nearly all of MobileNetV3's non-depthwise MAdds; depthwise convolutions go
through MLAS's int32 depthwise kernel) from the model's own quantized weights and the uint8 activations it
produces on real images, so any machine can tell whether a file is exact everywhere.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

INT16_MAX = 32767


@dataclass(frozen=True)
class Saturation:
    convs: int  # 1x1 convolutions checked
    pair_sums: int  # uint8 x int8 pair sums computed
    saturated: int  # of them beyond int16
    max_abs_pair: int  # largest |pair sum|
    max_abs_weight: int  # largest |int8 weight| over those convolutions


def pointwise_convs(model: onnx.ModelProto) -> list[tuple[str, str, np.ndarray]]:
    """(conv name, uint8 activation tensor, int8 weight [O, C]) of every QDQ 1x1 convolution with group 1."""
    initializers = {init.name: init for init in model.graph.initializer}
    producers = {name: node for node in model.graph.node for name in node.output}
    found = []
    for node in model.graph.node:
        if node.op_type != "Conv" or any(a.name == "group" and a.i != 1 for a in node.attribute):
            continue
        x_dq, w_dq = producers.get(node.input[0]), producers.get(node.input[1])
        if x_dq is None or w_dq is None or {x_dq.op_type, w_dq.op_type} != {"DequantizeLinear"}:
            continue
        weight = initializers.get(w_dq.input[0])
        if weight is None:
            continue
        weight = numpy_helper.to_array(weight)
        if weight.dtype != np.int8 or weight.shape[2:] != (1, 1):
            continue
        found.append((node.name, x_dq.input[0], weight[:, :, 0, 0].astype(np.int32)))
    return found


def pair_saturation(path: str | Path, batches: list[np.ndarray]) -> Saturation:
    """Emulate VPMADDUBSW's int16 pair sums of every 1x1 convolution of ``path`` on ``batches`` (float32 NCHW)."""
    model = onnx.load(str(path))
    convs = pointwise_convs(model)
    wanted = list(dict.fromkeys(activation for _, activation, _ in convs))
    known = {output.name for output in model.graph.output}
    model.graph.output.extend(onnx.ValueInfoProto(name=name) for name in wanted if name not in known)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # keep the QDQ tensors
    options.log_severity_level = 3
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.onnx"
        onnx.save(model, str(probe))
        session = ort.InferenceSession(str(probe), options, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    pairs = saturated = largest = 0
    for batch in batches:
        values = dict(zip(wanted, session.run(wanted, {input_name: batch}), strict=True))
        for _, activation, weight in convs:
            a = values[activation].astype(np.int32)  # [N, C, H, W], the raw uint8 codes MLAS multiplies
            a = a.transpose(1, 0, 2, 3).reshape(a.shape[1], -1)  # [C, pixels]
            channels = a.shape[0] - a.shape[0] % 2  # an odd last channel has no partner (MLAS pads it with 0)
            for k in range(0, channels, 2):
                sums = np.outer(weight[:, k], a[k]) + np.outer(weight[:, k + 1], a[k + 1])
                pairs += sums.size
                saturated += int((np.abs(sums + (sums < 0)) > INT16_MAX).sum())  # -32768 still fits
                largest = max(largest, int(np.abs(sums).max()))
    max_weight = max((int(np.abs(weight).max()) for _, _, weight in convs), default=0)
    return Saturation(len(convs), pairs, saturated, largest, max_weight)
