"""The benchmark sweep behind tools/benchmark.py: configs x output strides x input sizes x backends,
plus torchvision reference rows measured in the same interleaved loop."""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from seg.bench.models import (
    files_at_size,
    model_files,
    precision_of,
    predictor_factory,
    reference_factory,
    reference_model,
    scratch_dir,
    with_output_stride,
)
from seg.bench.peak import model_gmadds
from seg.bench.profile import profile_onnx
from seg.bench.row_agreement import add_agreement
from seg.bench.timing import PAUSE_S, machine_info, summarise, time_interleaved, warm_up
from seg.config import Config, load_config
from seg.data.samples import random_images
from seg.export.onnx import export_onnx
from seg.inference.card import ModelCard, read_card
from seg.inference.predictor import Predictor
from seg.runtimes.factory import load_predictor


@dataclass(frozen=True)
class Entry:
    """One model to measure: a display name, its config and, for a trained model, its checkpoint."""

    name: str
    config: Config
    checkpoint: str | None = None
    state_dict: Mapping[str, Any] | None = field(default=None, repr=False)  # the checkpoint's weights, read once


def parse_entries(specs: Sequence[str], overrides: Sequence[str]) -> list[Entry]:
    """``CONFIG`` / ``CHECKPOINT`` (its stored config), each optionally ``@key=value,key=value`` -> entries
    (``with_distinct_names`` makes their names unique); ``overrides`` apply to every entry. A checkpoint's overrides are the point of a sweep (another
    output stride, say), so they are accepted and noted rather than refused."""
    entries = []
    for spec in specs:
        path, _, extra = spec.partition("@")
        own = [item for item in extra.split(",") if item]
        if path.endswith(".py"):
            config = load_config(path, [*overrides, *own])
            entries.append(Entry(_name(config.name, own), config))
            continue
        card = read_card(path, None, [*overrides, *own], allow_model_mismatch=True)
        for note in card.notes:
            print(note.replace("warning: --allow-model-mismatch: running", "note: measuring"))
        entries.append(Entry(_name(card.config.name, own), card.config, path, card.state_dict))
    return entries


def with_distinct_names(entries: Sequence[Entry], checkpoints: Sequence[str | None] | None = None) -> list[Entry]:
    """``entries`` renamed by ``distinct_labels`` (told apart by ``checkpoints``, by default their own), so that
    names can key rows, tables and plot legends."""
    details = [e.checkpoint for e in entries] if checkpoints is None else list(checkpoints)
    labels = distinct_labels([e.name for e in entries], details)
    return [replace(entry, name=label) for entry, label in zip(entries, labels, strict=True)]


def _name(config_name: str, overrides: Sequence[str]) -> str:
    return config_name + (f" [{', '.join(overrides)}]" if overrides else "")


def distinct_labels(names: Sequence[str], details: Sequence[str | None]) -> list[str]:
    """``names`` made unique for tables and plot legends: a repeated name gets the shortest tail of its
    ``details`` path that tells it apart (two checkpoints of one config: "toy (a/best.ckpt)", "toy (b/best.ckpt)"),
    and a number where that is not enough."""
    labels = list(names)
    for name in set(names):
        group = [i for i, n in enumerate(names) if n == name]
        if len(group) < 2:
            continue
        parts = {i: Path(details[i]).parts if details[i] else () for i in group}
        depth = 1
        while depth < max(len(p) for p in parts.values()) and len({parts[i][-depth:] for i in group}) < len(group):
            depth += 1
        for i in group:
            if parts[i]:
                labels[i] = f"{name} ({Path(*parts[i][-depth:])})"
    repeated = {label for label in labels if labels.count(label) > 1}
    return [
        f"{label} #{labels[: i + 1].count(label)}" if label in repeated else label for i, label in enumerate(labels)
    ]


def run_sweep(
    entries: Sequence[Entry],
    sizes: Sequence[tuple[int, int]],
    backends: Sequence[str],
    output_strides: Sequence[int | None] = (None,),
    references: Sequence[str] = ("stock",),
    threads: int | None = None,
    batch: int = 1,
    warmup: int = 3,
    iters: int = 10,
    device: str = "cpu",
    calibration: list[np.ndarray] | None = None,
    progress: bool = True,
    profile: bool = False,
    agreement_samples: list | None = None,
    label_maps: bool = False,
    low_res_logits: bool = False,
) -> dict[str, object]:
    """Measure every (entry, output stride, size, backend) and the reference rows; returns the JSON-ready report.

    ``profile`` adds ONNX Runtime's per-op-type kernel times to every ONNX Runtime row (after the timing);
    ``agreement_samples`` (held-out images) add every INT8 / bf16 row's agreement with its fp32 row;
    ``label_maps`` adds the image-to-label-map latency (``Predictor.predict``: preprocess, network, resize of
    the logits, argmax), timed interleaved after the network; ``low_res_logits`` ends every model row's network at
    the decoder's stride-8 logits and takes the label maps from them (the fast label maps)."""
    steps = len(output_strides) * len(sizes) * (len(entries) * len(backends) + 2 * len(references)) * (warmup + iters)
    run = _Run(
        backends, threads, batch, warmup, iters, device, profile,
        tqdm(total=steps, desc="benchmark", unit="call", disable=not progress), agreement_samples=agreement_samples,
        label_maps=label_maps,
    )  # fmt: skip
    calibration = calibration or [image[0] for image in random_images(4, sizes[0], seed=1)]
    with scratch_dir() as tmp:
        for output_stride in output_strides:
            configs = [(entry.name, with_output_stride(entry.config, output_stride)) for entry in entries]
            run.bar.set_postfix_str(f"exporting (output stride {output_stride or 'config'})")
            files = {}
            for index, (name, config) in enumerate(configs):
                workdir = Path(tmp) / f"os{output_stride}_{index}"
                workdir.mkdir()
                state = entries[index].state_dict
                files[name] = model_files(config, workdir, list(backends), calibration, sizes[0], state, low_res_logits)
            first = configs[0][1]
            refs = [reference_model(kind, first, sizes[0]) for kind in references if _reference_fits(kind, first)]
            ref_onnx = run.export_references(refs, sizes[0], Path(tmp)) if "onnxruntime" in backends else {}
            for size in sizes:
                factories = {}
                for name, config in configs:
                    sized = files[name] if size == sizes[0] else files_at_size(config, files[name], list(backends),
                                                                               calibration, size, low_res_logits)  # fmt: skip
                    for backend in backends:
                        factory = predictor_factory(sized, backend, size, threads, device, low_res_logits)
                        factories[(name, backend)] = (config, factory)
                for label, model, _ in refs:
                    factories[(label, "torch")] = (first, reference_factory(model, first, size, device))
                    if label in ref_onnx:
                        factories[(label, "onnxruntime")] = (
                            first,
                            _onnx_reference(ref_onnx[label], first, size, threads),
                        )
                run.measure(factories, size, {label: stride for label, _, stride in refs})
    run.bar.close()
    _add_ratios(run.rows)
    settings = {
        "pause_ms": 1e3 * PAUSE_S,
        "backends": list(backends),
        "sizes": [list(s) for s in sizes],
        "batch": batch,
        "warmup": warmup,
        "iters": iters,
    }
    settings |= {
        "low_res_logits": low_res_logits,
        "device": device,
        "weights": "random, BatchNorm statistics re-estimated on random images (speed only); checkpoint entries: theirs",
    }
    return {"machine": machine_info(threads, device), "settings": settings, "rows": run.rows}


@dataclass
class _Run:
    """The settings of one sweep, its progress bar and the rows measured so far."""

    backends: Sequence[str]
    threads: int | None
    batch: int
    warmup: int
    iters: int
    device: str
    profile: bool
    bar: tqdm
    rows: list[dict[str, object]] = field(default_factory=list)
    agreement_samples: list | None = None
    label_maps: bool = False
    ref_onnx: dict[str, Path] = field(default_factory=dict)

    def export_references(self, refs: list, size: tuple[int, int], tmp: Path) -> dict[str, Path]:
        """Each torchvision reference exported once (the stock one is the same model at every output stride)."""
        for label, model, _ in refs:
            if label not in self.ref_onnx:
                path = tmp / f"reference{len(self.ref_onnx)}.onnx"
                self.ref_onnx[label] = export_onnx(model, path, input_size=size, dynamic=True, fold_bn=False)
        return self.ref_onnx

    def measure(self, factories: dict, size: tuple[int, int], ref_strides: dict[str, int]) -> None:
        """Warm up every predictor at ``size``, time them interleaved, and append one row each."""
        images = random_images(1, size, batch=self.batch)[0]
        predictors, memory = {}, {}
        for key, (_, factory) in factories.items():
            self.bar.set_postfix_str(f"warm-up {key[0]} / {key[1]} @ {size[0]}x{size[1]}")
            zeros = torch.zeros((self.batch, 3, *size), dtype=torch.float32)
            predictor, peak = warm_up(factory, zeros, 0, self.device)
            inputs = predictor.preprocess(images)
            for _ in range(self.warmup):
                predictor.infer(inputs)
                self.bar.update()
            predictors[key], memory[key] = (predictor, inputs), peak
        self.bar.set_postfix_str(f"timing {len(predictors)} runners @ {size[0]}x{size[1]}")
        calls = {key: (lambda p=p, x=x: p.infer(x)) for key, (p, x) in predictors.items()}
        times = time_interleaved(calls, self.iters, self.device, on_step=self.bar.update)
        for key, (predictor, _) in predictors.items():
            self.rows.append(self._row(key, factories[key][0], predictor, summarise(times[key], memory[key]), size,
                                       ref_strides))  # fmt: skip
            if self.profile and predictor.card.runtime == "onnxruntime":
                self.bar.set_postfix_str(f"profiling {key[0]} / {key[1]}")
                self.rows[-1]["op_profile"] = profile_onnx(predictor.runner.path, size, self.threads)
        if self.label_maps:
            self.bar.set_postfix_str(f"image to label map @ {size[0]}x{size[1]}")
            image = images[0]
            label_calls = {key: (lambda p=p: p.predict(image)) for key, (p, _) in predictors.items()}
            label_times = time_interleaved(label_calls, self.iters, self.device)
            for key, row in zip(predictors, self.rows[-len(predictors) :], strict=True):
                row["label_map_ms"] = float(np.median(label_times[key]) * 1e3)
        if self.agreement_samples:
            self.bar.set_postfix_str(f"agreement with fp32 @ {size[0]}x{size[1]}")
            measured = {key: row for key, row in zip(predictors, self.rows[-len(predictors) :], strict=True)}
            add_agreement(measured, {key: p for key, (p, _) in predictors.items()}, self.agreement_samples)
        del predictors, calls
        gc.collect()

    def _row(self, key, config: Config, predictor: Predictor, timing, size, ref_strides) -> dict[str, object]:
        reference = key[0] in ref_strides
        return {
            "model": key[0],
            "reference": reference,
            "sweep_output_stride": config.model.output_stride,
            "output_stride": ref_strides[key[0]] if reference else config.model.output_stride,
            "backbone": "mobilenet_v3_large" if reference else config.model.backbone,
            "head": "lraspp" if reference else config.model.head,
            "pool": "global" if reference else config.model.pool,
            "input_size": list(size),
            "batch": self.batch,
            "backend": key[1],
            "precision": precision_of(key[1]),
            "runner": predictor.runner.description,
            "gmadds": None if reference else model_gmadds(config, size),  # per image (seg.bench.peak)
            **asdict(timing),
            "fps": self.batch * 1e3 / timing.median_ms,
        }


def _onnx_reference(path: Path, config: Config, size: tuple[int, int], threads: int | None):
    card = ModelCard.from_config(config, path=path, runtime="onnxruntime")
    return lambda: load_predictor(card, input_size=size, threads=threads)


def _reference_fits(kind: str, config: Config) -> bool:
    if kind == "matched" and config.model.output_stride not in (16, 32):
        print(
            f"note: no matched torchvision reference at output stride {config.model.output_stride} (torchvision dilates to 16 only)"
        )
        return False
    return True


def _add_ratios(rows: list[dict[str, object]]) -> None:
    """Each row's latency as a multiple of every reference row at the same output stride, size and batch."""
    for row in rows:
        row["ratios"] = {}
        for ref in rows:
            same = all(ref[k] == row[k] for k in ("sweep_output_stride", "input_size", "batch"))
            if ref["reference"] and same:
                row["ratios"][f"{ref['model']} / {ref['backend']}"] = row["median_ms"] / ref["median_ms"]
