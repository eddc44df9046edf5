"""Decoders side by side (Table 7 of the paper, measured here): parameters, MAdds, latency, mIoU.

The paper's lineup (tools/compare_decoders.py names its config files) is LR-ASPP, R-ASPP and DeepLabV3 on
MobileNetV3-Large and -Small, and MobileNetV2 with R-ASPP, the baseline of the paper's claim "MobileNetV3-Large
LR-ASPP is 34% faster than MobileNetV2 R-ASPP at similar accuracy" (abstract; Table 7 rows 1 and 8).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from tqdm import tqdm

from seg.bench.accuracy import evaluate_miou
from seg.bench.models import model_files, predictor_factory, scratch_dir
from seg.bench.report import machine_lines, threads_text
from seg.bench.sweep import Entry
from seg.bench.timing import PAUSE_S, machine_info, summarise, time_interleaved, warm_up
from seg.data.samples import dataset_samples, random_images
from seg.inference.predictor import Predictor
from seg.models import build_model
from seg.models.complexity import count_complexity

PAPER_SPEEDUP_PERCENT = 34  # abstract: MobileNetV3-Large LR-ASPP vs MobileNetV2 R-ASPP


def compare_decoders(
    entries: Sequence[Entry],
    checkpoints: Sequence[str | None],
    input_size: tuple[int, int],
    backend: str = "torch-channels-last",
    threads: int | None = None,
    warmup: int = 2,
    iters: int = 5,
    eval_images: int = 50,
    progress: bool = True,
) -> dict[str, object]:
    """Measure each entry; mIoU only for entries with a checkpoint (on its config's validation split)."""
    rows = []
    bar = tqdm(total=len(entries) * (2 + warmup + iters), desc="compare", unit="step", disable=not progress)
    with scratch_dir() as tmp:
        predictors = {}
        for index, (entry, checkpoint) in enumerate(zip(entries, checkpoints, strict=True)):
            bar.set_postfix_str(entry.name)
            complexity = count_complexity(build_model(entry.config.model), input_size)
            workdir = Path(tmp) / str(index)
            workdir.mkdir()
            calibration = [image[0] for image in random_images(4, input_size, seed=1)]
            files = model_files(entry.config, workdir, [backend], calibration, input_size, entry.state_dict)
            factory = predictor_factory(files, backend, input_size, threads, "cpu")
            zeros = torch.zeros((1, 3, *input_size), dtype=torch.float32)
            predictor, peak = warm_up(factory, zeros, warmup, "cpu")
            predictors[entry.name] = (predictor, peak)
            miou = _miou(predictor, entry, eval_images) if checkpoint else None
            rows.append(
                {
                    "model": entry.name,
                    "backbone": entry.config.model.backbone,
                    "head": entry.config.model.head,
                    "output_stride": entry.config.model.output_stride,
                    "reduced_tail": entry.config.model.reduced_tail,
                    "head_channels": entry.config.model.head_channels,
                    "params": complexity.params,
                    "madds": complexity.madds,
                    "backbone_madds": complexity.backbone_madds,
                    "decoder_madds": complexity.decoder_madds,
                    "checkpoint": checkpoint,
                    "miou": miou,
                }
            )
            bar.update(2 + warmup)
        batch = next(iter(predictors.values()))[0].preprocess(random_images(1, input_size)[0])
        calls = {name: (lambda p=p: p.infer(batch)) for name, (p, _) in predictors.items()}
        times = time_interleaved(calls, iters, on_step=lambda: bar.update(1 / len(calls)))
    bar.close()
    for row in rows:
        timing = summarise(times[row["model"]], predictors[row["model"]][1])
        row |= {"median_ms": timing.median_ms, "p90_ms": timing.p90_ms, "peak_memory_mb": timing.peak_memory_mb}
    settings = {
        "pause_ms": 1e3 * PAUSE_S,
        "input_size": list(input_size),
        "backend": backend,
        "batch": 1,
        "warmup": warmup,
        "iters": iters,
        "device": "cpu",
    }
    settings["weights"] = "checkpoints where given, else random (latency does not depend on weights)"
    return {"machine": machine_info(threads), "settings": settings, "rows": rows}


def _miou(predictor: Predictor, entry: Entry, limit: int) -> float:
    samples = dataset_samples(entry.config, entry.config.data.val_split, limit)
    return evaluate_miou(predictor, samples, entry.config.data.ignore_index)


def paper_comparison(report: dict) -> str | None:
    """The abstract's "LR-ASPP on MobileNetV3-Large is 34% faster than R-ASPP on MobileNetV2", as measured here."""
    rows = report["rows"]
    ours = next((r for r in rows if r["backbone"] == "mobilenet_v3_large" and r["head"] == "lraspp"), None)
    base = next((r for r in rows if r["backbone"] == "mobilenet_v2" and r["head"] == "raspp"), None)
    if ours is None or base is None:
        return None
    reduction = 100 * (1 - ours["median_ms"] / base["median_ms"])
    ratio = base["median_ms"] / ours["median_ms"]
    size = report["settings"]["input_size"]
    return (
        f"{ours['model']} vs {base['model']} at {size[0]}x{size[1]} ({report['settings']['backend']}, "
        f"{threads_text(report['machine']['threads'])}): {ours['median_ms']:.1f} ms vs {base['median_ms']:.1f} ms, "
        f"{abs(reduction):.0f}% {'less' if reduction >= 0 else 'more'} latency (speed ratio {ratio:.2f}x); "
        f"the paper reports {PAPER_SPEEDUP_PERCENT}% faster. MAdds {ours['madds'] / 1e9:.2f}B vs {base['madds'] / 1e9:.2f}B."
    )


def compare_markdown(report: dict, command: str | None = None) -> str:
    header = ["model", "OS", "RF2", "F", "params (M)", "MAdds (B)", "decoder MAdds (B)", "median ms", "p90 ms", "mIoU"]
    size = report["settings"]["input_size"]
    lines = [f"# Decoder comparison at {size[0]}x{size[1]} ({report['settings']['backend']})", ""]
    lines += [*machine_lines(report, command), ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in report["rows"]:
        miou = f"{100 * row['miou']:.2f}" if row["miou"] is not None else "n/a (no checkpoint)"
        lines.append(
            f"| {row['model']} | {row['output_stride']} | {'yes' if row['reduced_tail'] else 'no'} | {row['head_channels']} | "
            f"{row['params'] / 1e6:.2f} | {row['madds'] / 1e9:.2f} | {row['decoder_madds'] / 1e9:.2f} | "
            f"{row['median_ms']:.1f} | {row['p90_ms']:.1f} | {miou} |"
        )
    sentence = paper_comparison(report)
    if sentence:
        lines += ["", sentence]
    return "\n".join(lines) + "\n"
