"""Latency of the inference path (``Predictor.infer``) across configs, backends, sizes and output strides.

Honest timing: every runner is warmed up first; iterations are interleaved (one call per runner in
turn), so on a shared machine a burst of load hits all rows alike and ratios taken in one run hold;
on the CPU every call is followed by an untimed pause (``PAUSE_S``) so that the previous runner's
spinning worker threads have gone idle before the next runner is timed;
PyTorch runs under ``torch.inference_mode`` with a fixed thread count and ONNX Runtime with the same
``intra_op_num_threads``; CUDA work is timed with events and synchronised. Reported: median and p90
latency, FPS (batch / median), and peak memory: the RSS increase while the runner is built and warmed
up on the CPU (weights + activations + ONNX Runtime's arena), ``max_memory_allocated`` on CUDA.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torchvision
from torch import nn

from seg.config import Config
from seg.errors import ExportError
from seg.export.onnx import export_onnx
from seg.export.quantize import ImageCalibrationReader, quantize_int8
from seg.inference.card import ModelCard
from seg.inference.labelmap import LowResolutionLogits
from seg.inference.predictor import Predictor, TorchRunner
from seg.models import build_model
from seg.runtimes.backends import BACKENDS
from seg.runtimes.factory import load_predictor
from seg.synthetic.weights import settle_batchnorm


class TorchvisionLRASPP(nn.Module):
    """torchvision's LR-ASPP returning the logits tensor (its forward returns ``{"out": ...}``)."""

    def __init__(self, reduced_tail: bool = False, dilated: bool = True, num_classes: int = 19) -> None:
        super().__init__()
        from torchvision.models.segmentation import lraspp_mobilenet_v3_large
        from torchvision.models.segmentation.lraspp import _lraspp_mobilenetv3

        if not reduced_tail and dilated:
            # The stock builder, exactly as users call it.
            self.model = lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=num_classes)
        else:
            # Same builder internals with the tail / stride of the config under test.
            backbone = torchvision.models.mobilenet_v3_large(weights=None, dilated=dilated, reduced_tail=reduced_tail)
            self.model = _lraspp_mobilenetv3(backbone, num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(images)["out"]


# Size of the random images BatchNorm statistics are settled on (smaller when the benchmark's inputs are).
SETTLE_SIZE = (128, 256)
# The seed of a benchmarked model's random weights (no checkpoint given).
RANDOM_WEIGHTS_SEED = 0


def settle_size(input_size: tuple[int, int]) -> tuple[int, int]:
    return (min(input_size[0], SETTLE_SIZE[0]), min(input_size[1], SETTLE_SIZE[1]))


def reference_model(kind: str, config: Config, input_size: tuple[int, int] = SETTLE_SIZE) -> tuple[str, nn.Module, int]:
    """(label, model, output stride) of torchvision's LR-ASPP MobileNetV3-Large: "stock" is the public
    builder (full tail, output stride 16); "matched" uses the config's RF2 and output stride."""
    if kind == "stock":
        model = settle_batchnorm(TorchvisionLRASPP(num_classes=config.model.num_classes), settle_size(input_size))
        return "torchvision lraspp_mobilenet_v3_large", model, 16
    if config.model.output_stride not in (16, 32):
        raise ValueError(
            f"torchvision's MobileNetV3 dilates only to output stride 16; the config has {config.model.output_stride}."
        )
    label = f"torchvision LR-ASPP (RF2={config.model.reduced_tail}, OS{config.model.output_stride})"
    model = TorchvisionLRASPP(config.model.reduced_tail, config.model.output_stride == 16, config.model.num_classes)
    return label, settle_batchnorm(model, settle_size(input_size)), config.model.output_stride


def model_files(
    config: Config,
    workdir: Path,
    backends: list[str],
    calibration: list[np.ndarray],
    input_size: tuple[int, int],
    state_dict: Mapping[str, Any] | None = None,
    low_res_logits: bool = False,
) -> dict[str, ModelCard]:
    """The model's card for PyTorch (a checkpoint's ``state_dict``, or random ones with BatchNorm statistics settled so
    activations have a realistic scale), and the cards of its exports (dynamic ONNX, fixed-size LiteRT and
    ExecuTorch, OpenVINO; fp32 and INT8) for the backends asked for, keyed "weights" and by backend.
    ``low_res_logits``: every export ends at the decoder's stride-8 logits (the fast label maps' network,
    seg.inference.labelmap), so no runtime runs the final resize."""
    if state_dict is not None:
        model = build_model(config.model)
        model.load_state_dict(state_dict)
    else:
        # Seeded, so that a rerun benchmarks the same random network: the agreement column of a random network
        # depends on its (small) class margins, which change from one initialisation to the next.
        with torch.random.fork_rng():
            torch.manual_seed(RANDOM_WEIGHTS_SEED)
            model = build_model(config.model)
        settle_batchnorm(model, settle_size(input_size))
    card = ModelCard.from_config(config, state_dict=model.state_dict())
    files: dict[str, ModelCard] = {"weights": card}
    network = LowResolutionLogits(model) if low_res_logits else model
    # The one preprocessing rule feeds every quantizer's calibration (seg.inference.predictor).
    preprocess = load_predictor(card, "torch", input_size=input_size).preprocess
    if any(BACKENDS[b].runtime == "onnxruntime" for b in backends):
        path = export_onnx(network, workdir / "model.onnx", input_size=input_size, dynamic=True)
        files["onnxruntime"] = dataclasses.replace(card, path=path, runtime="onnxruntime", state_dict=None)
    if "onnxruntime-int8" in backends:
        reader = ImageCalibrationReader(calibration, preprocess)
        quantize_int8(files["onnxruntime"].path, workdir / "model.int8.onnx", reader)
        files["onnxruntime-int8"] = dataclasses.replace(files["onnxruntime"], path=workdir / "model.int8.onnx")
    batches = [preprocess(image).numpy() for image in calibration]
    exported = mobile_files(network, workdir, backends, batches, input_size)
    exported |= openvino_files(network, workdir, backends, batches, input_size)
    for backend, path in exported.items():
        files[backend] = dataclasses.replace(card, path=path, runtime=BACKENDS[backend].runtime, state_dict=None)
    return files


def files_at_size(
    config: Config,
    files: dict[str, ModelCard],
    backends: list[str],
    calibration: list[np.ndarray],
    size: tuple[int, int],
    low_res_logits: bool = False,
) -> dict[str, ModelCard]:
    """``files`` with the fixed-size exports (LiteRT, ExecuTorch) made again at ``size``, beside the others, so that
    a sweep over sizes measures them at every size like the dynamic ONNX and OpenVINO files."""
    if not {BACKENDS[b].runtime for b in backends} & {"litert", "executorch"}:
        return files
    card = files["weights"]
    model = build_model(config.model)
    model.load_state_dict(card.state_dict)
    folder = next(c.path.parent for c in files.values() if c.path is not None) / f"{size[0]}x{size[1]}"
    folder.mkdir(exist_ok=True)
    network = LowResolutionLogits(model) if low_res_logits else model
    preprocess = load_predictor(card, "torch", input_size=size).preprocess
    batches = [preprocess(image).numpy() for image in calibration]
    resized = {
        backend: dataclasses.replace(card, path=path, runtime=BACKENDS[backend].runtime, state_dict=None)
        for backend, path in mobile_files(network, folder, backends, batches, size).items()
    }
    return files | resized


def openvino_files(
    model: nn.Module, workdir: Path, backends: list[str], batches: list[np.ndarray], input_size: tuple[int, int]
) -> dict[str, Path]:
    """The IRs for the OpenVINO backends asked for: one fp32 IR (dynamic where the graph allows, else at
    ``input_size``) for openvino and openvino-bf16, and its NNCF INT8 for openvino-int8, calibrated on ``batches``."""
    wanted = [backend for backend in backends if BACKENDS[backend].runtime == "openvino"]
    if not wanted:
        return {}
    from seg.export.openvino import export_openvino, quantize_openvino_int8

    try:
        fp32 = export_openvino(model, workdir / "model.xml", input_size, dynamic=True)
    except ExportError:
        fp32 = export_openvino(model, workdir / "model.xml", input_size, dynamic=False)
    files = {backend: fp32 for backend in wanted if not BACKENDS[backend].int8}
    if any(BACKENDS[backend].int8 for backend in wanted):
        int8 = quantize_openvino_int8(fp32, workdir / "model.int8.xml", batches)
        files |= {backend: int8 for backend in wanted if BACKENDS[backend].int8}
    return files


def mobile_files(
    model: nn.Module, workdir: Path, backends: list[str], batches: list[np.ndarray], input_size: tuple[int, int]
) -> dict[str, Path]:
    """LiteRT and ExecuTorch exports at ``input_size`` (fixed: LiteRT cannot be dynamic, and ExecuTorch cannot for
    the gate pools that compute shapes from the input), fp32 and INT8, for the backends asked for; INT8 is
    calibrated on the preprocessed ``batches`` through each runtime's own quantizer."""
    runtimes = {BACKENDS[b].runtime for b in backends}
    files: dict[str, Path] = {}
    if not runtimes & {"litert", "executorch"}:
        return files
    if "litert" in runtimes:
        from seg.export.litert import export_litert, quantize_litert_int8

        files["litert"] = export_litert(model, workdir / "model.tflite", input_size)
        if "litert-int8" in backends:
            files["litert-int8"] = quantize_litert_int8(files["litert"], workdir / "model.int8.tflite", batches)
    if "executorch" in runtimes:
        from seg.export.executorch import export_executorch

        files["executorch"] = export_executorch(model, workdir / "model.pte", input_size)
        if "executorch-int8" in backends:
            files["executorch-int8"] = export_executorch(
                model, workdir / "model.int8.pte", input_size, calibration=batches
            )
    return files


def predictor_factory(
    files: dict[str, ModelCard],
    backend: str,
    input_size: tuple[int, int],
    threads: int | None,
    device: str,
    fast_labels: bool = False,
) -> Callable[[], Predictor]:
    """Builds ``backend``'s predictor for the model in ``files`` (see ``model_files``; ``fast_labels`` for files
    made with ``low_res_logits``)."""
    card = files[backend] if BACKENDS[backend].runtime != "torch" else files["weights"]
    return lambda: load_predictor(card, backend, input_size, threads, device, fast_labels=fast_labels)


def reference_factory(
    model: nn.Module, config: Config, input_size: tuple[int, int], device: str
) -> Callable[[], Predictor]:
    """torchvision's model as shipped: eager, NCHW, BatchNorm not folded."""
    runner = lambda: TorchRunner(model, channels_last=False, device=device)  # noqa: E731
    card = ModelCard.from_config(config)
    return lambda: Predictor(runner(), card, input_size)


def scratch_dir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="seg-benchmark-")


def precision_of(backend: str) -> str:
    chosen = BACKENDS.get(backend)
    return "int8" if backend.endswith("int8") else "bf16" if chosen is not None and chosen.bf16 else "fp32"


def with_output_stride(config: Config, output_stride: int | None) -> Config:
    if output_stride is None or output_stride == config.model.output_stride:
        return config
    return dataclasses.replace(config, model=dataclasses.replace(config.model, output_stride=output_stride))
