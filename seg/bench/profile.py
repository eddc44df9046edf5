"""Where an ONNX Runtime model spends its time: ONNX Runtime's own profiler, summed per op type."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from seg.runtimes.onnxruntime import ort_session


def profile_onnx(
    path: str | Path, size: tuple[int, int], threads: int | None, runs: int = 5
) -> list[dict[str, object]]:
    """Mean ms per run of each op type (kernel time), slowest first, over ``runs`` runs after one warm-up."""
    with tempfile.TemporaryDirectory() as tmp:
        session = ort_session(path, threads, profile_prefix=str(Path(tmp) / "ort"))
        name = session.get_inputs()[0].name
        images = np.random.default_rng(0).standard_normal((1, 3, *size), dtype=np.float32)
        session.run(None, {name: images})  # warm-up; profiled too, so it is subtracted below
        for _ in range(runs):
            session.run(None, {name: images})
        events = json.loads(Path(session.end_profiling()).read_text())
    total: Counter = Counter()
    nodes: Counter = Counter()
    runs_seen = [event for event in events if event.get("name") == "model_run"]
    first_run_end = runs_seen[0]["ts"] + runs_seen[0]["dur"] if runs_seen else 0
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time") and event["ts"] >= first_run_end:
            op = event["args"]["op_name"]
            total[op] += event["dur"]
            nodes[op] += 1
    return [
        {"op": op, "ms_per_run": micros / runs / 1e3, "nodes": nodes[op] // runs} for op, micros in total.most_common()
    ]
