"""Markdown tables and plots of benchmark reports (the dicts that seg.bench.sweep and compare return)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import NullFormatter, NullLocator  # noqa: E402


def machine_lines(report: dict, command: str | None = None) -> list[str]:
    machine, settings = report["machine"], report["settings"]
    lines = []
    if command:
        lines += [f"Command: `{command}`", ""]
    lines += [
        f"- Machine: {machine['cpu']}, {machine['cores']} cores; GPU: {machine['gpu']}",
        f"- Threads: {machine['threads']} (PyTorch intra-op and ONNX Runtime intra_op_num_threads)",
        f"- Versions: Python {machine['python']}, torch {machine['torch']}, torchvision {machine['torchvision']}, "
        f"onnxruntime {machine['onnxruntime']}, onnx {machine['onnx']}, numpy {machine['numpy']}",
        f"- Batch {settings['batch']}, {settings['warmup']} warm-up calls, {settings['iters']} timed calls per row, "
        f"interleaved with a {settings.get('pause_ms', 50.0):g} ms untimed pause after each CPU call; device {settings['device']}; weights: {settings['weights']}",
    ]
    return lines


def benchmark_markdown(report: dict, command: str | None = None) -> str:
    """One table row per measurement, with its latency as a multiple of each reference row."""
    rows = report["rows"]
    ref_keys = sorted({key for row in rows for key in row["ratios"]})
    header = [
        "model",
        "backbone",
        "head",
        "OS",
        "input",
        "backend",
        "precision",
        "median ms",
        "p90 ms",
        "FPS",
        "peak MB",
    ]
    header += [f"x {key}" for key in ref_keys]
    extra = extra_columns(rows)  # seg.bench.peak and the agreement of quantized rows, when measured
    header += list(extra)
    lines = ["# Benchmark", "", *machine_lines(report, command), *peak_lines(report), ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        height, width = row["input_size"]
        cells = [
            row["model"] + (" (reference)" if row["reference"] else ""),
            row["backbone"],
            row["head"] + (f" ({row['pool']} pool)" if row["head"] == "lraspp" else ""),
            str(row["output_stride"]),
            f"{height}x{width}",
            row["backend"],
            row["precision"],
            f"{row['median_ms']:.1f}",
            f"{row['p90_ms']:.1f}",
            f"{row['fps']:.2f}",
            f"{row['peak_memory_mb']:.0f}",
        ]
        cells += [f"{row['ratios'][key]:.3f}" if key in row["ratios"] else "" for key in ref_keys]
        cells += [cell(row) for cell in extra.values()]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Latency: `Predictor.infer` (normalised float batch in, logits out). Peak MB: RSS increase while the",
        "runner was built and first run (CPU) or max_memory_allocated (CUDA).",
    ]
    profiles = {_profile_label(row): row["op_profile"] for row in rows if "op_profile" in row}
    if profiles:
        lines += ["", "## ONNX Runtime profile (kernel time per op type)", "", profile_markdown(profiles)]
    return "\n".join(lines) + "\n"


def extra_columns(rows: list[dict]) -> dict[str, object]:
    """Column title -> cell function for the optional measurements the rows carry."""
    columns: dict[str, object] = {}
    if any(row.get("label_map_ms") is not None for row in rows):
        columns["image to label map ms"] = lambda row: _number(row.get("label_map_ms"), "{:.1f}")
    if any(row.get("gmadds_per_s") is not None for row in rows):
        columns["GMAdds/s achieved"] = lambda row: _number(row.get("gmadds_per_s"), "{:.1f}")
        columns["% of this machine's peak"] = lambda row: _number(row.get("peak_percent"), "{:.1f}%")
    if any(row.get("agreement") is not None for row in rows):
        columns["agreement with fp32"] = lambda row: _number(row.get("agreement"), "{:.2%}")
    return columns


def _number(value: float | None, spec: str) -> str:
    return "" if value is None else spec.format(value)


def peak_lines(report: dict) -> list[str]:
    """The machine's measured GEMM rates (seg.bench.peak), one line per runtime and precision."""
    rates = report.get("peaks") or []
    if not rates:
        return []
    m, k, n = rates[0]["shape"]
    text = ", ".join(f"{r['runtime']} {r['precision']} {r['gmadds_per_s']:.1f}" for r in rates)
    return [f"- This machine's peak (GMAdds/s, best of {rates[0]['calls']} {m}x{k}x{n} GEMMs, same threads): {text}"]


def _profile_label(row: dict) -> str:
    height, width = row["input_size"]
    return f"{row['model']} / {row['backend']}, OS{row['output_stride']}, {height}x{width}"


def threads_text(count: int) -> str:
    """ "1 thread", "2 threads"."""
    return f"{count} thread" + ("s" if count != 1 else "")


def plot_benchmark(report: dict, path: str | Path) -> Path:
    """Median latency against output stride, one panel per input size, one line per model and backend.

    The legend sits below the panels (never over a line), each label is "model / backend" (unique per
    line), and the stride axis has ticks only at the strides measured.
    """
    rows = report["rows"]
    sizes = sorted({tuple(row["input_size"]) for row in rows})
    labels = {f"{row['model']} / {row['backend']}" for row in rows}
    # As many legend columns as the longest label allows across the figure (~13 characters per inch at 8 pt);
    # the figure grows by the legend's height so the panels keep theirs.
    columns = max(1, min(len(labels), int(6 * len(sizes) * 13 / (max(map(len, labels)) + 6))))
    height = 4.5 + 0.2 * math.ceil(len(labels) / columns)
    figure, axes = plt.subplots(1, len(sizes), figsize=(6 * len(sizes), height), squeeze=False, layout="constrained")
    lines: dict[str, object] = {}
    for axis, size in zip(axes[0], sizes, strict=True):
        series: dict[str, list[tuple[int, float]]] = {}
        for row in rows:
            if tuple(row["input_size"]) == size:
                series.setdefault(f"{row['model']} / {row['backend']}", []).append(
                    (row["sweep_output_stride"], row["median_ms"])
                )
        for index, (label, points) in enumerate(sorted(series.items())):
            points.sort()
            style = "--" if "torchvision" in label else "-"
            (line,) = axis.plot(
                [p[0] for p in points], [p[1] for p in points], style, marker=_MARKERS[index % len(_MARKERS)],
                color=f"C{index % 10}", label=label,
            )  # fmt: skip
            lines.setdefault(label, line)
        strides = sorted({stride for points in series.values() for stride, _ in points})
        axis.set(yscale="log", xlabel="output stride", ylabel="median latency (ms)", title=f"{size[0]}x{size[1]}")
        axis.set_xscale("log", base=2)
        axis.set_xticks(strides, labels=[str(s) for s in strides])
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.xaxis.set_minor_locator(NullLocator())
        axis.set_xlim(strides[0] / 1.4, strides[-1] * 1.4)  # points (and their markers) off the panel's edges
        axis.grid(True, which="both", alpha=0.3)
    figure.legend(list(lines.values()), list(lines), loc="outside lower center", ncols=columns, fontsize=8)
    machine = report["machine"]
    figure.suptitle(
        f"{machine['cpu']}, {threads_text(machine['threads'])}, batch {report['settings']['batch']}", fontsize=9
    )
    return _save_figure(figure, path)


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def scatter(points: Sequence[tuple[str, float, float]], xlabel: str, ylabel: str, title: str, path: str | Path) -> Path:
    """(label, x, y) points, each with its own colour and marker, named in a legend beside the axes (labels never
    sit on the data)."""
    figure, axis = plt.subplots(figsize=(9, 5), layout="constrained")
    for index, (label, x, y) in enumerate(points):
        axis.scatter([x], [y], s=50, color=f"C{index % 10}", marker=_MARKERS[index % len(_MARKERS)], label=label)
    axis.set(xlabel=xlabel, ylabel=ylabel, title=title)
    axis.margins(0.15)
    axis.grid(True, alpha=0.3)
    figure.legend(loc="outside right center", fontsize=8)
    return _save_figure(figure, path)


def _save_figure(figure: plt.Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120, bbox_inches="tight")  # a long legend widens the file rather than being cut
    plt.close(figure)
    return path


def profile_markdown(profiles: dict[str, list[dict[str, object]]], top: int = 8) -> str:
    """One small table per profiled model: the ``top`` op types by time."""
    lines = []
    for label, rows in profiles.items():
        total = sum(row["ms_per_run"] for row in rows)
        lines += [
            f"**{label}** (kernel time {total:.1f} ms per run)",
            "",
            "| op type | nodes | ms per run | share |",
            "|---|---|---|---|",
        ]
        for row in rows[:top]:
            lines.append(
                f"| {row['op']} | {row['nodes']} | {row['ms_per_run']:.1f} | {100 * row['ms_per_run'] / total:.0f}% |"
            )
        lines.append("")
    return "\n".join(lines)
