"""OpenVINO IR export (``openvino.convert_model`` from the PyTorch model) and INT8 through NNCF's post-training
quantization.

- The model goes through ``torch.export`` (with symbolic batch, height and width for ``dynamic``) and then
  ``openvino.convert_model``: torch.export traces sizes as symbols, so the resize targets follow the input.
  OpenVINO's PyTorch frontend cannot convert the symbolic ``min`` of the authors' gate pool (its window clamped
  to the feature map), so such a model goes through the ONNX dynamo export (seg.export.onnx) and OpenVINO's
  ONNX frontend instead; an IR whose height or width came out fixed is refused for ``dynamic``.
- The IR is saved in fp32 (``compress_to_fp16=False``; OpenVINO's default halves the weights).
- INT8: ``nncf.quantize`` inserts FakeQuantize nodes (8-bit activations, 8-bit per-channel weights) calibrated
  on the same preprocessed images as the other formats. Two choices match the ONNX INT8 export
  (``seg.export.quantize``): the decoder's tail (the classifiers, their sum and the final resize, from the output
  back to the last convolution on every path) stays float, because logits on an 8-bit grid flip the argmax where
  two classes are close; and the weights get NNCF's overflow fix on every layer (7-bit weights), because oneDNN's
  u8s8 kernels on x86 without VNNI add byte pairs in saturating int16 exactly like ONNX Runtime's
  (seg.export.saturation), so full 8-bit weights would give other labels on such CPUs.

The ``openvino`` and ``nncf`` imports are inside the functions: they are the optional ``.[openvino]`` extra.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seg.errors import ExportError
from seg.export.onnx import export_onnx
from seg.models.fuse import export_copy


def export_openvino(
    model: nn.Module,
    path: str | Path,
    input_size: tuple[int, int] = (512, 1024),
    dynamic: bool = False,
    fold_bn: bool = True,
) -> Path:
    """Convert ``model`` (float images [N, 3, H, W] -> logits [N, C, H, W]) to an fp32 IR at ``path`` (.xml + .bin).

    ``dynamic`` makes batch, height and width symbolic; otherwise the IR is fixed to batch 1 at ``input_size``.
    """
    import openvino as ov

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = export_copy(model, fold_bn)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            ov_model = ov.convert_model(_exported_program(model, input_size, dynamic))
        except Exception:  # noqa: BLE001 - torch.export and OpenVINO's frontend raise many types
            # OpenVINO's PyTorch frontend has no rule for torch.export's symbolic min (sym_min), which the authors'
            # LR-ASPP gate pool computes its clamped window with; the ONNX dynamo exporter lowers it to ONNX
            # shape ops, which OpenVINO's ONNX frontend converts (measured: 6e-8 max logit difference, dynamic).
            with tempfile.TemporaryDirectory(prefix="seg-openvino-") as tmp:
                onnx_path = export_onnx(model, Path(tmp) / "model.onnx", input_size, dynamic, fold_bn=False)
                ov_model = ov.convert_model(str(onnx_path))
    ov_model.inputs[0].get_tensor().set_names({"images"})
    ov_model.outputs[0].get_tensor().set_names({"logits"})
    shape = ov_model.inputs[0].get_partial_shape()
    if not dynamic:
        ov_model.reshape({0: [1, 3, *input_size]})
    elif shape[2].is_static or shape[3].is_static:
        raise ExportError(f"{path}: the converter fixed the height or width (input shape {shape}); the IR would not "
                          "follow the input size. Export at a fixed size (drop --dynamic).")  # fmt: skip
    ov.save_model(ov_model, str(path), compress_to_fp16=False)
    return path


def _exported_program(model: nn.Module, input_size: tuple[int, int], dynamic: bool) -> torch.export.ExportedProgram:
    """``torch.export`` of ``model``; with ``dynamic``, batch, height and width as symbols (Dim.DYNAMIC: the
    exporter keeps the guards the graph needs, as the ONNX dynamo exporter does)."""
    # torch.export specialises a size-1 dimension, so a dynamic export traces batch 2.
    example = torch.randn(2 if dynamic else 1, 3, *input_size)
    shapes = {"images": dict.fromkeys((0, 2, 3), torch.export.Dim.DYNAMIC)} if dynamic else None
    return torch.export.export(model, (example,), dynamic_shapes=shapes)


def tail_names(model) -> list[str]:
    """Friendly names of the ops from the outputs back to the last Convolution on every data path (inclusive)."""
    data = _data_ops(model)
    tail: list[str] = []
    stack = [result.input_value(0).get_node() for result in model.get_results()]
    while stack:
        node = stack.pop()
        name = node.get_friendly_name()
        if name in tail or node.get_type_name() in ("Constant", "Parameter"):
            continue
        tail.append(name)
        if node.get_type_name() != "Convolution":
            stack += [value.get_node() for value in node.input_values() if value.get_node().get_friendly_name() in data]
    return tail


def _data_ops(model) -> set[str]:
    """Ops that compute on image data: reachable from the input without passing through ShapeOf (the rest is
    shape arithmetic: resize targets, the paper pool's kernel)."""
    reached = {parameter.get_friendly_name() for parameter in model.get_parameters()}
    for node in model.get_ordered_ops():
        if node.get_type_name() in ("ShapeOf", "Parameter"):
            continue
        if any(value.get_node().get_friendly_name() in reached for value in node.input_values()):
            reached.add(node.get_friendly_name())
    return reached


def quantize_openvino_int8(
    fp32_path: str | Path, int8_path: str | Path, calibration: Sequence[np.ndarray], float_tail: bool = True
) -> Path:
    """Static INT8 of an fp32 IR with ``nncf.quantize`` (see the module docstring); ``calibration``: preprocessed
    float32 batches [N, 3, H, W] (any size for a dynamic IR)."""
    import nncf
    import openvino as ov
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters, OverflowFix

    from seg.runtimes.openvino import openvino_core

    if not calibration:
        raise ValueError("quantize_openvino_int8 needs at least one calibration batch.")
    model = openvino_core().read_model(str(fp32_path))
    ignored = nncf.IgnoredScope(names=tail_names(model), validate=False) if float_tail else None
    batches = [np.ascontiguousarray(batch, dtype=np.float32) for batch in calibration]
    nncf_logger = logging.getLogger("nncf")
    level = nncf_logger.level
    nncf_logger.setLevel(logging.ERROR)  # NNCF logs its progress bars and statistics at INFO
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            quantized = nncf.quantize(
                model,
                nncf.Dataset(batches),
                subset_size=len(batches),
                ignored_scope=ignored,
                advanced_parameters=AdvancedQuantizationParameters(overflow_fix=OverflowFix.ENABLE),
            )
    finally:
        nncf_logger.setLevel(level)
    int8_path = Path(int8_path)
    int8_path.parent.mkdir(parents=True, exist_ok=True)
    ov.save_model(quantized, str(int8_path), compress_to_fp16=False)
    return int8_path
