"""Throughput of batch segmentation: tools/infer.py in one process against tools/infer_ray.py with N workers.

Each variant runs as its own command (what a user runs: Python start, model load, Ray start included) on the first
``count`` images and on the first ``2 * count``; the difference divided by ``count`` is the time per image once
running, free of the fixed start-up cost, and the rest is that start-up. Variants are interleaved (each repeat
runs them all, in a rotated order) so a machine that slows down during the run slows all of them alike; the
median over repeats is reported. Every run writes masks and overlays to a fresh folder (Ray also writes the
label PNG and the table).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Variant", "format_results", "measure", "variants"]


@dataclass(frozen=True)
class Variant:
    label: str
    tool: str  # "infer" or "infer_ray"
    options: tuple[str, ...] = ()


def variants(workers: Sequence[int], batch_size: int, threads: int) -> list[Variant]:
    ray = [
        Variant(f"ray, {n} worker{'s' if n > 1 else ''}", "infer_ray", ("--overlays", "--workers", str(n),
                "--batch-size", str(batch_size), "--threads", str(threads)))
        for n in workers
    ]  # fmt: skip
    return [Variant("tools/infer.py, one process", "infer"), *ray]


def run_once(
    variant: Variant,
    model: Sequence[str],
    images: Sequence[Path],
    env: dict[str, str],
    tools_dir: Path,
    overrides: Sequence[str] = (),
) -> float:
    """Seconds for one command over ``images`` (listed in a .txt file for Ray, as arguments for tools/infer.py);
    ``tools_dir``: the folder of tools/infer.py and tools/infer_ray.py (the caller's; never found from here)."""
    with tempfile.TemporaryDirectory(prefix="seg_batch_bench_") as temp:
        listing = Path(temp) / "images.txt"
        listing.write_text("".join(f"{path.resolve()}\n" for path in images))
        inputs = [str(listing)] if variant.tool == "infer_ray" else [str(p) for p in images]
        command = [sys.executable, str(Path(tools_dir) / f"{variant.tool}.py"), *model, *inputs]
        command += ["--output-dir", str(Path(temp) / "out"), *variant.options]
        command += ["--set", *overrides] if overrides else []
        started = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return seconds


def measure(
    model: Sequence[str],
    images: Sequence[Path],
    count: int,
    chosen: Sequence[Variant],
    repeats: int,
    env: dict[str, str],
    tools_dir: Path,
    overrides: Sequence[str] = (),
) -> list[dict]:
    """Per variant: median seconds for ``count`` and ``2 * count`` images, images/s once running, start-up."""
    if len(images) < 2 * count:
        raise ValueError(f"{len(images)} images; the measurement needs 2 x {count}")
    times: dict[str, list[tuple[float, float]]] = {v.label: [] for v in chosen}
    for repeat in range(repeats):
        order = list(chosen[repeat % len(chosen) :]) + list(chosen[: repeat % len(chosen)])
        for variant in order:
            small = run_once(variant, model, images[:count], env, tools_dir, overrides)
            large = run_once(variant, model, images[: 2 * count], env, tools_dir, overrides)
            times[variant.label].append((small, large))
            print(f"repeat {repeat + 1}: {variant.label}: {small:.1f} s / {large:.1f} s", file=sys.stderr)
    results = []
    for variant in chosen:
        small = statistics.median(t[0] for t in times[variant.label])
        large = statistics.median(t[1] for t in times[variant.label])
        # Start-up noise larger than COUNT images' work makes the difference meaningless: no figure then.
        per_image = (large - small) / count if large > small else None
        results.append(
            {
                "variant": variant.label,
                "seconds_n": round(small, 2),
                "seconds_2n": round(large, 2),
                "ms_per_image": None if per_image is None else round(per_image * 1000, 2),
                "images_per_s": None if per_image is None else round(1 / per_image, 1),
                "startup_s": None if per_image is None else round(small - count * per_image, 1),
            }
        )
    base = results[0]["ms_per_image"]
    for row in results:
        known = base is not None and row["ms_per_image"] is not None
        row["ms_per_image_over_one_process"] = round(row["ms_per_image"] - base, 2) if known else None
    return results


def format_results(results: Sequence[dict], count: int) -> str:
    lines = [
        f"| variant | {count} images (s) | {2 * count} images (s) | ms / image | images / s | start-up (s) "
        "| ms / image over one process |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cells = [r[key] for key in ("variant", "seconds_n", "seconds_2n", "ms_per_image", "images_per_s", "startup_s")]
        cells.append(r["ms_per_image_over_one_process"])
        lines.append("| " + " | ".join("n/a (raise --count)" if c is None else str(c) for c in cells) + " |")
    return "\n".join(lines)
