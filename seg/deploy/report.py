"""Markdown tables and plots of benchmark reports (the dicts that seg.deploy.sweep and compare return)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

from .benchmark import PAUSE_S
from .profile import profile_markdown

matplotlib.use("Agg")  # files only; no display on servers
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402


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
        f"interleaved with a {1e3 * PAUSE_S:g} ms untimed pause after each CPU call; device {settings['device']}; weights: {settings['weights']}",
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
    lines = ["# Benchmark", "", *machine_lines(report, command), ""]
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


def _profile_label(row: dict) -> str:
    height, width = row["input_size"]
    return f"{row['model']} / {row['backend']}, OS{row['output_stride']}, {height}x{width}"


def plot_benchmark(report: dict, path: str | Path) -> Path:
    """Median latency against output stride, one panel per input size, one line per model and backend."""
    rows = report["rows"]
    sizes = sorted({tuple(row["input_size"]) for row in rows})
    figure, axes = plt.subplots(1, len(sizes), figsize=(6 * len(sizes), 4.5), squeeze=False)
    for axis, size in zip(axes[0], sizes, strict=True):
        series: dict[str, list[tuple[int, float]]] = {}
        for row in rows:
            if tuple(row["input_size"]) == size:
                series.setdefault(f"{row['model']} / {row['backend']}", []).append(
                    (row["sweep_output_stride"], row["median_ms"])
                )
        for label, points in sorted(series.items()):
            points.sort()
            style = "--" if "torchvision" in label else "-"
            axis.plot([p[0] for p in points], [p[1] for p in points], style, marker="o", label=label)
        axis.set(yscale="log", xlabel="output stride", ylabel="median latency (ms)", title=f"{size[0]}x{size[1]}")
        axis.set_xscale("log", base=2)
        axis.set_xticks([8, 16, 32], labels=["8", "16", "32"])
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.grid(True, which="both", alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="best")
    machine = report["machine"]
    figure.suptitle(f"{machine['cpu']}, {machine['threads']} threads, batch {report['settings']['batch']}", fontsize=9)
    return _save_figure(figure, path)


def scatter(points: Sequence[tuple[str, float, float]], xlabel: str, ylabel: str, title: str, path: str | Path) -> Path:
    """Labelled scatter plot of (label, x, y) points."""
    figure, axis = plt.subplots(figsize=(7, 5))
    for label, x, y in points:
        axis.scatter([x], [y])
        axis.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    axis.set(xlabel=xlabel, ylabel=ylabel, title=title)
    axis.grid(True, alpha=0.3)
    return _save_figure(figure, path)


def _save_figure(figure: plt.Figure, path: str | Path) -> Path:
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
