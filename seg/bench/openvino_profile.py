"""Where an OpenVINO run spends its time: the CPU plugin's per-layer counters (``PERF_COUNT``) summed per layer type.

Each executed layer reports its type and the kernel that ran it (e.g. ``Convolution (brgconv_avx512_amx_1x1_bf16)``,
``Eltwise (jit_avx512_FP32)``), so the table shows both what the network does and which instructions did it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seg.runtimes.openvino import OpenVINORunner


def profile_openvino(
    path: str | Path, size: tuple[int, int], threads: int | None, precision: str = "fp32", iters: int = 10
) -> dict[str, float]:
    """Mean milliseconds per "layer type (kernel)" over ``iters`` calls on a random batch [1, 3, H, W], slowest first."""
    runner = OpenVINORunner(path, threads, precision, profile=True)
    batch = np.random.default_rng(0).standard_normal((1, 3, *size)).astype(np.float32)
    runner(batch)  # warm-up: first-call allocations and kernel selection
    totals: dict[str, float] = {}
    for _ in range(iters):
        runner(batch)
        for key, ms in runner.layer_times().items():
            totals[key] = totals.get(key, 0.0) + ms / iters
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def profile_table(times: dict[str, float]) -> str:
    """A markdown table: layer type (kernel), mean ms, share of the total."""
    total = sum(times.values()) or 1.0
    lines = ["| layer type (kernel) | ms | share |", "|---|---|---|"]
    lines += [f"| {key} | {ms:.2f} | {100 * ms / total:.1f}% |" for key, ms in times.items()]
    lines.append(f"| total | {total:.2f} | 100% |")
    return "\n".join(lines)
