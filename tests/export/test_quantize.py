"""INT8: every MobileNetV3 op quantizes, the quantized model agrees with fp32, and no x86 CPU saturates it."""

import numpy as np
import pytest

from seg.bench.accuracy import compare_predictions
from seg.export.quantize import runtime_precision
from seg.export.saturation import INT16_MAX, pair_saturation
from seg.inference.card import read_card
from seg.runtimes.factory import load_predictor

HELD_OUT = 32  # tests/conftest.py's held_out fixture


@pytest.mark.slow
def test_export_tool_reports_int8(small_export):
    assert small_export.int8.is_file()
    log = small_export.log
    assert "HardSwish -> y * Clip(y/6 + 1/2, 0, 1)" in log and "Conv -> HardSigmoid -> Conv -> Clip" in log
    assert "INT8 vs fp32 on 4 images" in log and "mIoU fp32" in log and "latency at" in log


@pytest.mark.slow
def test_hswish_hardsigmoid_and_se_run_in_int8(small_export):
    int8_ops, float_ops = runtime_precision(small_export.int8)
    # Convs, the h-swish products and SE multiplies, the SE pools: all int8 kernels in ONNX Runtime.
    for op in ("QLinearConv", "QLinearMul", "QLinearAdd", "QLinearGlobalAveragePool"):
        assert int8_ops.get(op, 0) > 0, (op, int8_ops)
    # Only the decoder tail kept in float on purpose (classifier convs, their sum, the resizes) is left.
    assert set(float_ops) <= {"Conv", "Add", "Resize"}, float_ops
    assert float_ops.get("Conv", 0) <= 2


@pytest.mark.slow
def test_int8_agrees_with_fp32_on_toy_images(small_export, held_out):
    config = small_export.config
    fp32 = load_predictor(read_card(small_export.onnx, config), threads=1)
    int8 = load_predictor(read_card(small_export.int8, config), threads=1)
    result = compare_predictions(fp32, int8, held_out, config.data.ignore_index)
    assert result.images == HELD_OUT
    # 7-bit weights (reduce_range) compute the same integers on every x86 CPU (the next test), so one measurement
    # holds everywhere: 98.91% on these 32 images (Intel Xeon with AVX-512 VNNI and AMX, percentile calibration;
    # 8-bit weights: 98.77% there with MinMax, and on the fixture's 4 val images 96.3% on an AVX2-only AMD EPYC,
    # where they saturate; docs/deployment.md).
    assert result.agreement >= 0.98, result
    assert result.miou_reference is not None and result.miou_candidate is not None


@pytest.mark.slow
def test_int8_weights_cannot_saturate_x86_kernels_without_vnni(small_export, held_out):
    """ONNX Runtime's u8s8 kernels on AVX2 / AVX-512 without VNNI add byte-pair products in int16 (VPMADDUBSW):
    the export's 7-bit weights keep every such sum in range, on its own activations, and by arithmetic."""
    fp32 = load_predictor(read_card(small_export.onnx, small_export.config), threads=1)
    batches = [fp32.preprocess(image).numpy() for image, _ in held_out[:4]]
    result = pair_saturation(small_export.int8, batches)
    assert result.convs >= 20 and result.pair_sums > 1e5, result  # the MobileNetV3's 1x1 convolutions were found
    assert result.max_abs_weight <= 64 and result.max_abs_weight * 255 * 2 <= INT16_MAX
    assert result.saturated == 0 and result.max_abs_pair <= INT16_MAX, result


def test_every_calibration_method_the_tools_offer_is_onnx_runtimes():
    from seg.export.quantize import CALIBRATION_METHODS
    from seg.runtimes.backends import ONNX_CALIBRATION_METHODS

    assert tuple(CALIBRATION_METHODS) == ONNX_CALIBRATION_METHODS
    assert ONNX_CALIBRATION_METHODS[0] == "percentile"  # the default: docs/deployment.md#int8


def test_saturation_emulation_counts_full_range_pairs(tmp_path):
    """The emulation itself: a 1x1 conv whose 8-bit weights saturate on some pixels and not on others."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = np.array([[[[127]], [[127]]], [[[-1]], [[1]]]], dtype=np.int8)  # [2 out, 2 in, 1, 1]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "s", "zp"], ["xd"]),
        helper.make_node("DequantizeLinear", ["w", "ws"], ["wd"]),
        helper.make_node("Conv", ["xd", "wd"], ["y"], name="conv"),
    ]
    inits = [
        numpy_helper.from_array(np.array(1.0, np.float32), "s"),
        numpy_helper.from_array(np.array(0, np.uint8), "zp"),
        numpy_helper.from_array(weight, "w"),
        numpy_helper.from_array(np.array(1.0, np.float32), "ws"),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 1, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 1, 2])], inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    onnx.save(model, tmp_path / "conv.onnx")
    # Pixel 0: 255*127 + 255*127 = 64770 (saturates, output 0); pixel 1: 10*127 + 10*127 fits; output 1 never does.
    x = np.array([[[[255, 10]], [[255, 10]]]], dtype=np.float32)
    result = pair_saturation(tmp_path / "conv.onnx", [x])
    assert (result.convs, result.pair_sums, result.saturated, result.max_abs_pair) == (1, 4, 1, 64770)
