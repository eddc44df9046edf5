"""One export: a model card to an ONNX, LiteRT or ExecuTorch file with its metadata, its parity with eager PyTorch,
and its INT8 sibling. ``tools/export.py`` parses the command line and prints what these functions return.

The INT8 file's agreement with the float one and their speed ratio are measured by ``seg.bench.accuracy``, not
here (the export room does not import the benchmarks).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torch import nn

from seg.config import ConfigError
from seg.export.metadata import write_metadata
from seg.export.onnx import export_onnx
from seg.export.quantize import CALIBRATION_METHODS, ImageCalibrationReader, QuantizationSummary, quantize_int8
from seg.export.verify import Parity, verification_shapes, verify_onnx, verify_runner
from seg.inference.card import ModelCard, read_card
from seg.inference.labelmap import LowResolutionLogits
from seg.inference.predictor import Predictor
from seg.models import build_model
from seg.models.checkpoint import load_state
from seg.runtimes.backends import DEFAULT_OPSET, FORMATS, ONNX_CALIBRATION_METHODS, RUNTIME_EXTRAS
from seg.runtimes.factory import file_runner, load_predictor


@dataclass(frozen=True)
class ExportRequest:
    """What to write: ``format`` (a key of ``FORMATS``: onnx, litert, executorch, openvino) at ``output``, for
    ``input_size`` (H, W); ``dynamic`` makes height and width (and the batch) symbolic; ``opset`` and ``labels``
    (a graph ending in the argmax) are ONNX's; ``low_res_logits`` ends the graph at the decoder's stride-8 logits."""

    format: str
    output: Path
    input_size: tuple[int, int]
    dynamic: bool = False
    opset: int = DEFAULT_OPSET
    labels: bool = False
    low_res_logits: bool = False

    @property
    def runtime(self) -> str:
        return FORMATS[self.format]


@dataclass(frozen=True)
class Exported:
    """A written export: its file, the request, the eager network it was made from (the parity reference) and the
    metadata stored with it (class names, colours, input statistics, the fixed size and the config)."""

    path: Path
    request: ExportRequest
    model: nn.Module
    metadata: dict[str, str]

    def describe(self) -> str:
        request, (height, width) = self.request, self.request.input_size
        if request.format == "onnx":
            axes = "dynamic batch, height and width" if request.dynamic else f"fixed 1x3x{height}x{width}"
            return f"{axes}, opset {request.opset}, {'label maps' if request.labels else 'logits'}"
        axes = f"H and W up to {height}x{width}" if request.dynamic else f"fixed {height}x{width}"
        if request.dynamic and request.format == "openvino":
            axes = "dynamic batch, height and width"
        return f"{request.format}, {axes}; metadata in {self.path.name}.json"


@dataclass(frozen=True)
class Int8Export:
    """The INT8 sibling of an export: its file, the predictors of both (for the agreement and speed checks), the
    number of calibration images, and for ONNX the per-op precision summary."""

    path: Path
    fp32: Predictor
    int8: Predictor
    calibration_images: int
    summary: QuantizationSummary | None


def int8_path(output: str | Path) -> Path:
    """Where the INT8 file goes: OUTPUT.int8.onnx / .int8.tflite / .int8.pte beside the float file."""
    output = Path(output)
    return output.with_name(f"{output.stem}.int8{output.suffix}")


def network(card: ModelCard, low_res_logits: bool = False) -> nn.Module:
    """The eager network ``card`` describes, with its weights (randomly initialised when the card holds none)."""
    if card.runtime != "torch":
        raise ConfigError(f"{card.path} is an export already; export from the checkpoint it was made from.")
    model = build_model(card.config.model)
    if card.state_dict is not None:
        load_state(model, card.state_dict, card.path or "<state dict>", card.config)
    return LowResolutionLogits(model) if low_res_logits else model


def export_model(card: ModelCard, request: ExportRequest) -> Exported:
    """Write ``request.output`` from ``card`` (a checkpoint's card, or a config's: random weights); the metadata
    goes into an ONNX file, beside a mobile one (FILE.json). Raises ``ExportError`` when the exporter fails."""
    model = network(card, request.low_res_logits)
    # Class names, colours, input statistics, the fixed size and the whole config: the export rebuilds its card alone.
    metadata = dataclasses.replace(card, input_size=None if request.dynamic else request.input_size).metadata()
    if request.format == "onnx":
        path = export_onnx(
            model,
            request.output,
            request.input_size,
            request.dynamic,
            request.opset,
            labels=request.labels,
            metadata=metadata,
        )
    else:
        path = _mobile_export(request, model, request.output, None)
        write_metadata(path, metadata)
    return Exported(path, request, model, metadata)


def verify_export(
    exported: Exported, check_sizes: Sequence[tuple[int, int]] = (), threads: int | None = None
) -> list[Parity]:
    """The export against eager PyTorch (BatchNorm not folded) on random inputs: at the export size and, when
    dynamic, at smaller sizes (one not divisible by 32) and at each of ``check_sizes``."""
    request, (height, width) = exported.request, exported.request.input_size
    if request.format == "onnx":
        shapes = verification_shapes(request.input_size, request.dynamic) + [(1, size) for size in check_sizes]
        return verify_onnx(exported.model, exported.path, shapes, threads=threads)
    shapes = [(1, request.input_size)]
    if request.dynamic:  # ExecuTorch plans memory for the largest size: check the full one and a smaller odd one
        shapes = verification_shapes(request.input_size, True)[:1] + [
            (1, (max(32, height * 3 // 4) | 1, max(32, width * 3 // 4) | 1))
        ]
    runner = file_runner(request.runtime, exported.path, threads)
    return verify_runner(exported.model, runner, shapes, str(exported.path))


def quantize_export(
    exported: Exported,
    images: Sequence[np.ndarray],
    threads: int | None = None,
    calibration_method: str = ONNX_CALIBRATION_METHODS[0],
) -> Int8Export:
    """Write the INT8 sibling of ``exported`` (``int8_path``), calibrated on ``images`` (uint8 RGB, preprocessed by
    the float export's own Predictor): ONNX static QDQ (per-channel weights; the decoder's classifiers and final
    resize kept in float; activation ranges by ``calibration_method``), LiteRT through ai-edge-quantizer,
    ExecuTorch through PT2E with the XNNPACK quantizer, OpenVINO through NNCF (each with its own calibration)."""
    request = exported.request
    target = int8_path(exported.path)
    fp32 = load_predictor(
        read_card(exported.path), input_size=None if request.dynamic else request.input_size, threads=threads
    )
    summary = None
    if request.format == "onnx":
        method = CALIBRATION_METHODS[calibration_method]
        summary = quantize_int8(exported.path, target, ImageCalibrationReader(images, fp32.preprocess), method)
    else:
        batches = [fp32.preprocess(image).numpy() for image in images]
        if request.format == "litert":
            from seg.export.litert import quantize_litert_int8

            quantize_litert_int8(exported.path, target, batches)
        elif request.format == "openvino":
            from seg.export.openvino import quantize_openvino_int8

            quantize_openvino_int8(exported.path, target, batches)
        else:
            _mobile_export(request, exported.model, target, batches)
        write_metadata(target, exported.metadata)
    int8 = load_predictor(read_card(target), input_size=fp32.input_size, threads=threads)
    return Int8Export(target, fp32, int8, len(images), summary)


def _mobile_export(request: ExportRequest, model: nn.Module, path: Path, calibration: list[np.ndarray] | None) -> Path:
    """A LiteRT, ExecuTorch or OpenVINO file (INT8 through PT2E for ExecuTorch when ``calibration`` batches are given); a
    runtime that is not installed is a user error naming its extra."""
    try:
        if request.format == "openvino":
            import openvino  # noqa: F401 - the extra; seg.export.openvino imports it lazily

            from seg.export.openvino import export_openvino

            return export_openvino(model, path, request.input_size, dynamic=request.dynamic)
        if request.format == "litert":
            from seg.export.litert import export_litert

            return export_litert(model, path, request.input_size, dynamic=request.dynamic)
        from seg.export.executorch import export_executorch
    except ImportError as error:
        raise ConfigError(
            f"--format {request.format} needs its runtime, which is not installed ({error}); "
            f'install it with pip install -e ".[{RUNTIME_EXTRAS[request.runtime]}]".'
        ) from None
    return export_executorch(model, path, request.input_size, dynamic=request.dynamic, calibration=calibration)
