"""The machine's peak (seg.bench.peak): GEMM rates from a fake clock, and the % of peak each benchmark row reaches."""

import pytest

from seg.bench.peak import PeakRate, add_peak_columns, gemm_rate, measure_peaks, peak_by_precision
from seg.bench.report import benchmark_markdown


def test_gemm_rate_takes_the_fastest_call_from_the_clock():
    clock = [0.0]
    costs = iter([9.0, 9.0, 0.5, 0.25, 0.4])  # two warm-up calls (not timed), then three timed ones

    def call():
        clock[0] += next(costs)

    rate = gemm_rate(call, madds=2e9, iters=3, warmup=2, clock=lambda: clock[0])
    assert rate == pytest.approx(2e9 / 0.25 / 1e9)  # 8 GMAdds/s from the 0.25 s call


def test_a_clock_that_does_not_move_is_refused():
    with pytest.raises(ValueError, match="finer resolution"):
        gemm_rate(lambda: None, madds=1e9, iters=2, warmup=0, clock=lambda: 1.0)


def test_rows_get_achieved_rate_and_percent_of_their_precision_peak():
    rates = [
        PeakRate("onnxruntime", "fp32", 100.0, (8, 8, 8), 3),
        PeakRate("openvino", "fp32", 120.0, (8, 8, 8), 3),
        PeakRate("onnxruntime", "int8", 400.0, (8, 8, 8), 3),
    ]
    peaks = peak_by_precision(rates)
    assert peaks == {"fp32": 120.0, "int8": 400.0}
    rows = [
        {"precision": "fp32", "batch": 1, "median_ms": 50.0, "gmadds": 2.4},  # 48 GMAdds/s
        {"precision": "int8", "batch": 2, "median_ms": 40.0, "gmadds": 2.4},  # 120 GMAdds/s
        {"precision": "bf16", "batch": 1, "median_ms": 20.0, "gmadds": 2.4},  # no bf16 peak: judged against fp32
        {"precision": "fp32", "batch": 1, "median_ms": 20.0, "gmadds": None},  # a reference row: no count
    ]
    add_peak_columns(rows, peaks)
    assert rows[0]["gmadds_per_s"] == pytest.approx(48.0) and rows[0]["peak_percent"] == pytest.approx(40.0)
    assert rows[1]["gmadds_per_s"] == pytest.approx(120.0) and rows[1]["peak_percent"] == pytest.approx(30.0)
    assert rows[2]["peak_percent"] == pytest.approx(100 * 120.0 / 120.0)
    assert "gmadds_per_s" not in rows[3]


def test_markdown_shows_the_peak_columns_and_lines():
    row = {
        "model": "m", "reference": False, "backbone": "b", "head": "lraspp", "pool": "paper", "output_stride": 8,
        "input_size": [64, 96], "backend": "onnxruntime-int8", "precision": "int8", "median_ms": 40.0,
        "p90_ms": 41.0, "fps": 25.0, "peak_memory_mb": 10.0, "ratios": {}, "gmadds_per_s": 120.0,
        "peak_percent": 30.0, "agreement": 0.9912,
    }  # fmt: skip
    report = {
        "machine": {"cpu": "x", "cores": 2, "gpu": "none", "threads": 2, "python": "3", "torch": "t",
                    "torchvision": "v", "onnxruntime": "o", "onnx": "n", "numpy": "np"},
        "settings": {"batch": 1, "warmup": 1, "iters": 1, "device": "cpu", "weights": "random"},
        "rows": [row],
        "peaks": [{"runtime": "onnxruntime", "precision": "int8", "gmadds_per_s": 400.0, "shape": [8, 8, 8], "calls": 3}],
    }  # fmt: skip
    text = benchmark_markdown(report)
    assert "GMAdds/s achieved" in text and "% of this machine's peak" in text and "agreement with fp32" in text
    assert "| 120.0 | 30.0% | 99.12% |" in text
    assert "onnxruntime int8 400.0" in text


@pytest.mark.slow
def test_measured_peaks_are_positive_for_every_precision_the_runtimes_offer():
    rates = measure_peaks(threads=1, shape=(128, 128, 128), iters=2)
    precisions = {rate.precision for rate in rates}
    assert {"fp32", "int8"} <= precisions
    assert all(rate.gmadds_per_s > 0 for rate in rates)


def test_reduced_precision_rows_are_judged_against_their_runtimes_fp32_row():
    from seg.bench.row_agreement import fp32_counterpart

    assert fp32_counterpart("onnxruntime-int8") == "onnxruntime"
    assert fp32_counterpart("openvino-bf16") == "openvino" and fp32_counterpart("openvino-int8") == "openvino"
    assert fp32_counterpart("openvino") is None and fp32_counterpart("torch-channels-last") is None
