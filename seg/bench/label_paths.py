"""The image-to-label-map paths tools/benchmark_labels.py times: per runtime, the exact one (full-resolution logits,
then argmax) and the fast one (the network ends at the decoder's stride-8 logits, seg.inference.labelmap).

Each runtime's pair of files is exported from the same model; INT8 runtimes quantize both with the same calibration
images (ONNX Runtime: seg.export.quantize; OpenVINO: NNCF), so the fast INT8 path also drops the float final
resize that the exact INT8 path keeps (docs/benchmarks.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from torch import nn

from seg.config import Config
from seg.inference.card import ModelCard
from seg.inference.labelmap import LowResolutionLogits
from seg.inference.predictor import Predictor
from seg.runtimes.backends import BACKENDS
from seg.runtimes.factory import load_predictor


def label_paths(
    model: nn.Module,
    config: Config,
    runtimes: Sequence[str],
    size: tuple[int, int],
    threads: int | None,
    workdir: Path,
    calibration: Sequence[np.ndarray],
) -> dict[str, Predictor]:
    """ "RUNTIME exact" and "RUNTIME fast" predictors for every runtime in ``runtimes`` (LABEL_RUNTIMES);
    ``calibration``: RGB uint8 images for the INT8 ones."""
    paths: dict[str, Predictor] = {}
    card = ModelCard.from_config(config, state_dict=model.state_dict())
    files: dict[tuple[str, str], Path] = {}
    for backend in runtimes:
        if backend == "torch":
            paths["torch exact"] = load_predictor(card, threads=threads)
            paths["torch fast"] = load_predictor(card, threads=threads, fast_labels=True)
            continue
        runtime = BACKENDS[backend].runtime
        for kind, network in (("exact", model), ("fast", LowResolutionLogits(model))):
            if (runtime, kind) not in files:
                files[(runtime, kind)] = _export(runtime, network, workdir / f"{runtime}_{kind}", size)
            path = files[(runtime, kind)]
            if BACKENDS[backend].int8:
                path = _quantize(runtime, path, config, calibration, size, threads)
            exported = dataclasses.replace(card, path=path, runtime=runtime, state_dict=None)
            paths[f"{backend} {kind}"] = load_predictor(
                exported, backend=backend, threads=threads, fast_labels=kind == "fast"
            )
    return paths


def _export(runtime: str, model: nn.Module, stem: Path, size: tuple[int, int]) -> Path:
    if runtime == "onnxruntime":
        from seg.export.onnx import export_onnx

        return export_onnx(model, stem.with_suffix(".onnx"), size, dynamic=True)
    from seg.errors import ExportError
    from seg.export.openvino import export_openvino

    try:
        return export_openvino(model, stem.with_suffix(".xml"), size, dynamic=True)
    except ExportError:  # shape arithmetic torch.export cannot keep symbolic: the IR runs at the benchmark size
        return export_openvino(model, stem.with_suffix(".xml"), size, dynamic=False)


def _quantize(
    runtime: str, path: Path, config: Config, calibration: Sequence[np.ndarray], size: tuple[int, int], threads
) -> Path:
    target = path.with_name(f"{path.stem}.int8{path.suffix}")
    if target.is_file():
        return target
    fp32 = load_predictor(ModelCard.from_config(config, path=path, runtime=runtime), threads=threads, input_size=size)
    if runtime == "onnxruntime":
        from seg.export.quantize import ImageCalibrationReader, quantize_int8

        quantize_int8(path, target, ImageCalibrationReader(list(calibration), fp32.preprocess))
        return target
    from seg.export.openvino import quantize_openvino_int8

    return quantize_openvino_int8(path, target, [fp32.preprocess(image).numpy() for image in calibration])
