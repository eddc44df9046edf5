"""The machine's own limit: attainable multiply-add rates of a large GEMM per precision, and how close a model gets.

A benchmark row says how fast a runtime ran the network; this says how fast the CPU could have gone. Each rate
is the best of several calls of one large matrix product (M x K times K x N, M*N*K multiply-adds) in the runtime
families the benchmarks use, on the benchmark's thread count:

- fp32: ONNX Runtime ``MatMul`` and OpenVINO ``MatMul`` (f32 inference precision);
- bf16: OpenVINO ``MatMul`` with ``INFERENCE_PRECISION_HINT=bf16`` (AVX-512 BF16 / AMX; absent elsewhere);
- int8: ONNX Runtime ``MatMulInteger`` (uint8 x int8, MLAS's VNNI / AMX kernels) and OpenVINO ``MatMul`` between
  FakeQuantize nodes (its low-precision pass runs it as an int8 GEMM).

The peak of a precision is the fastest of its runtimes. A row's "GMAdds/s achieved" is the model's MAdds
(seg.models.complexity: convolutions and matrix products, what the paper counts) over its median latency, and
"% of peak" divides that by the peak of the row's precision. A depthwise-separable network cannot reach a GEMM's
rate (depthwise convolutions and element-wise ops are memory-bound), so the column says how much is left, not
that 100% is reachable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

GEMM_SIZE = (1024, 1024, 1024)  # M, K, N: 1.07 GMAdds a call, large enough to reach the kernels' steady rate


@dataclass(frozen=True)
class PeakRate:
    runtime: str
    precision: str  # "fp32", "bf16" or "int8"
    gmadds_per_s: float  # best call
    shape: tuple[int, int, int]  # M, K, N
    calls: int


def gemm_rate(
    call: Callable[[], object],
    madds: float,
    iters: int = 10,
    warmup: int = 2,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """GMAdds/s of ``call`` (``madds`` multiply-adds each) from its fastest of ``iters`` timed calls."""
    for _ in range(warmup):
        call()
    best = float("inf")
    for _ in range(iters):
        begin = clock()
        call()
        best = min(best, clock() - begin)
    if best <= 0:
        raise ValueError(f"the clock measured {best} s for a GEMM call; use a clock with finer resolution.")
    return madds / best / 1e9


def _ort_gemm(precision: str, shape: tuple[int, int, int], threads: int | None) -> Callable[[], object]:
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    m, k, n = shape
    rng = np.random.default_rng(0)
    if precision == "fp32":
        weight = numpy_helper.from_array(rng.standard_normal((k, n)).astype(np.float32), "b")
        node = helper.make_node("MatMul", ["a", "b"], ["y"])
        a_type, y_type = TensorProto.FLOAT, TensorProto.FLOAT
        a = rng.standard_normal((m, k)).astype(np.float32)
    else:
        weight = numpy_helper.from_array(rng.integers(-64, 65, (k, n)).astype(np.int8), "b")
        node = helper.make_node("MatMulInteger", ["a", "b"], ["y"])
        a_type, y_type = TensorProto.UINT8, TensorProto.INT32
        a = rng.integers(0, 256, (m, k)).astype(np.uint8)
    graph = helper.make_graph(
        [node], "gemm", [helper.make_tensor_value_info("a", a_type, [m, k])],
        [helper.make_tensor_value_info("y", y_type, [m, n])], [weight],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return lambda: session.run(None, {"a": a})


def _openvino_gemm(precision: str, shape: tuple[int, int, int], threads: int | None) -> Callable[[], object]:
    import openvino as ov
    import openvino.opset13 as ops

    from seg.runtimes.openvino import compile_config, openvino_core

    m, k, n = shape
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(np.float32)
    parameter = ops.parameter([m, k], ov.Type.f32, name="a")
    weight = ops.constant(rng.standard_normal((k, n)).astype(np.float32))
    if precision == "int8":
        # FakeQuantize on both inputs is how NNCF marks an int8 product; the plugin runs it as an int8 GEMM.
        def fake_quantize(node, low: float, high: float, levels: int):
            lo, hi = ops.constant(np.float32(low)), ops.constant(np.float32(high))
            return ops.fake_quantize(node, lo, hi, lo, hi, levels)

        product = ops.matmul(
            fake_quantize(parameter, 0.0, 4.0, 256), fake_quantize(weight, -4.0, 4.0, 255), False, False
        )
    else:
        product = ops.matmul(parameter, weight, False, False)
    model = ov.Model([product], [parameter], "gemm")
    compiled = openvino_core().compile_model(
        model, "CPU", compile_config("bf16" if precision == "bf16" else "fp32", threads)
    )
    request = compiled.create_infer_request()
    return lambda: request.infer({0: a}, share_inputs=True)


def measure_peaks(
    threads: int | None, shape: tuple[int, int, int] = GEMM_SIZE, iters: int = 10, openvino: bool = True
) -> list[PeakRate]:
    """Every GEMM rate this machine's installed runtimes give (OpenVINO's when the extra is installed)."""
    m, k, n = shape
    madds = float(m) * k * n
    candidates: list[tuple[str, str, Callable[[], Callable[[], object]]]] = [
        ("onnxruntime", "fp32", lambda: _ort_gemm("fp32", shape, threads)),
        ("onnxruntime", "int8", lambda: _ort_gemm("int8", shape, threads)),
    ]
    if openvino and _has_openvino():
        from seg.runtimes.openvino import supports_bf16

        precisions = ["fp32", "int8"] + (["bf16"] if supports_bf16() else [])
        candidates += [("openvino", p, lambda p=p: _openvino_gemm(p, shape, threads)) for p in precisions]
    return [
        PeakRate(runtime, precision, gemm_rate(build(), madds, iters), shape, iters)
        for runtime, precision, build in candidates
    ]


def _has_openvino() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


def peak_by_precision(rates: list[PeakRate]) -> dict[str, float]:
    """Precision -> the fastest GMAdds/s any runtime reached in it."""
    peaks: dict[str, float] = {}
    for rate in rates:
        peaks[rate.precision] = max(peaks.get(rate.precision, 0.0), rate.gmadds_per_s)
    return peaks


def add_peak_columns(rows: list[dict], peaks: dict[str, float]) -> None:
    """Give every row with a MAdds count ``gmadds_per_s`` (achieved) and ``peak_percent`` (of its precision's peak;
    for a bf16 row on a machine without bf16, of the fp32 peak)."""
    for row in rows:
        gmadds = row.get("gmadds")
        if gmadds is None:
            continue
        achieved = gmadds * row["batch"] / (row["median_ms"] / 1e3)
        row["gmadds_per_s"] = achieved
        peak = peaks.get(row["precision"]) or peaks.get("fp32")
        row["peak_percent"] = 100 * achieved / peak if peak else None


def peaks_report(rates: list[PeakRate]) -> list[dict]:
    return [asdict(rate) for rate in rates]


def model_gmadds(config, input_size: tuple[int, int]) -> float:
    """GMAdds of one image of ``config``'s model at ``input_size`` (seg.models.complexity, on the meta device)."""
    from seg.models import build_model
    from seg.models.complexity import count_complexity

    return count_complexity(build_model(config.model), input_size).madds / 1e9
