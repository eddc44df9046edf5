"""The image-to-label-map paths tools/benchmark_labels.py times: per runtime, the exact one (full-resolution logits,
then argmax) and the fast one (the network ends at the decoder's stride-8 logits, seg.engine.labelmap).

Each runtime's pair of files is exported from the same model; INT8 runtimes quantize both with the same calibration
images (ONNX Runtime: seg.deploy.quantize; OpenVINO: NNCF), so the fast INT8 path also drops the float final
resize that the exact INT8 path keeps (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..config import Config
from ..engine.labelmap import LowResolutionLogits
from ..engine.predictor import Predictor
from .backends import BACKENDS
from .runtime import load_predictor


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
    weights = workdir / "weights.pt"
    torch.save(model.state_dict(), weights)
    files: dict[tuple[str, str], Path] = {}
    for backend in runtimes:
        if backend == "torch":
            paths["torch exact"] = load_predictor(config, weights, threads=threads)
            paths["torch fast"] = load_predictor(config, weights, threads=threads, fast_labels=True)
            continue
        runtime = BACKENDS[backend].runtime
        for kind, network in (("exact", model), ("fast", LowResolutionLogits(model))):
            if (runtime, kind) not in files:
                files[(runtime, kind)] = _export(runtime, network, workdir / f"{runtime}_{kind}", size)
            path = files[(runtime, kind)]
            if BACKENDS[backend].int8:
                path = _quantize(runtime, path, config, calibration, size, threads)
            paths[f"{backend} {kind}"] = load_predictor(
                config, path, backend=backend, threads=threads, fast_labels=kind == "fast"
            )
    return paths


def _export(runtime: str, model: nn.Module, stem: Path, size: tuple[int, int]) -> Path:
    if runtime == "onnxruntime":
        from .export import export_onnx

        return export_onnx(model, stem.with_suffix(".onnx"), size, dynamic=True)
    from .export import ExportError
    from .openvino_export import export_openvino

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
    fp32 = load_predictor(config, path, threads=threads, input_size=size)
    if runtime == "onnxruntime":
        from .quantize import ImageCalibrationReader, quantize_int8

        quantize_int8(path, target, ImageCalibrationReader(list(calibration), fp32.preprocess))
        return target
    from .openvino_export import quantize_openvino_int8

    return quantize_openvino_int8(path, target, [fp32.preprocess(image).numpy() for image in calibration])
