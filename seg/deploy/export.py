"""ONNX export of a segmentor, and the parity check against PyTorch that follows every export.

The exporter is ``torch.onnx.export(..., dynamo=True)`` (torch.export + onnxscript). It traces input
sizes as symbols, so every size-dependent op follows the input: the final and the decoders' resizes
read their target size from ``Shape``, the global pools become ``ReduceMean`` over the spatial axes,
and the LR-ASPP paper pool's clamped kernel becomes shape arithmetic (``seg.models.heads.lraspp.paper_pool``).
The legacy TorchScript exporter was not used: it evaluates Python ``min()`` / shape arithmetic once at
the export size and bakes it into constants (an ``AveragePool`` kernel, for one), which a dynamic
graph cannot carry. After export, :func:`verify_onnx` runs ONNX Runtime against eager PyTorch at
several sizes, so a graph that silently specialised fails loudly.
"""

from __future__ import annotations

import contextlib
import copy
import io
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from ..errors import Failure
from .backends import DEFAULT_OPSET
from .fuse import fold_batchnorm
from .metadata import write_metadata
from .runtime import ort_session

# Parity thresholds of tools/export_onnx.py: max |logit difference| and argmax agreement.
LOGIT_TOLERANCE = 1e-3
MIN_AGREEMENT = 0.999


class ExportError(Failure):
    """The exported graph is wrong (a dynamic axis was fixed, or ONNX Runtime disagrees with PyTorch)."""


class LabelMapModel(nn.Module):
    """Wraps a segmentor so the graph ends in the argmax: uint8 label maps [N, H, W] instead of logits."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(images).argmax(dim=1).to(torch.uint8)


def export_onnx(
    model: nn.Module,
    path: str | Path,
    input_size: tuple[int, int] = (512, 1024),
    dynamic: bool = False,
    opset: int = DEFAULT_OPSET,
    labels: bool = False,
    fold_bn: bool = True,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Export ``model`` (float images [N, 3, H, W] -> logits [N, C, H, W]) to ``path``.

    ``dynamic`` makes batch, height and width symbolic; otherwise the graph is fixed to batch 1 at
    ``input_size``. ``labels`` ends the graph in the argmax (uint8 [N, H, W]). BatchNorm is folded
    first (ONNX Runtime would fold it too; a folded graph is smaller for any runtime). ``metadata``
    (seg.deploy.metadata.model_metadata: class names, palette, input statistics) goes into the file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = fold_batchnorm(model) if fold_bn else copy.deepcopy(model).eval()
    if labels:
        model = LabelMapModel(model)
    # A dynamic batch is traced at 2: torch.export specialises a dimension whose example is 1 (its "0/1
    # specialisation"), which leaves batch 1 written into shape computations that don't read it from the input
    # (the "SAME" padding's resizes), so batch 2 would fail in ONNX Runtime.
    example = torch.randn(2 if dynamic else 1, 3, *input_size)
    dynamic_shapes = {"images": {0: "batch", 2: "height", 3: "width"}} if dynamic else None
    log = io.StringIO()
    # The exporter prints its progress and warns about deprecated internals; keep both out of the tool's output.
    with warnings.catch_warnings(), contextlib.redirect_stdout(log):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (example,),
            str(path),
            dynamo=True,
            input_names=["images"],
            output_names=["labels" if labels else "logits"],
            dynamic_shapes=dynamic_shapes,
            opset_version=opset,
            external_data=False,
            verbose=False,
        )
    _check_input_axes(path, dynamic)
    if metadata:
        write_metadata(path, metadata)
    return path


def _check_input_axes(path: Path, dynamic: bool) -> None:
    graph_input = onnx.load(str(path), load_external_data=False).graph.input[0]
    dims = graph_input.type.tensor_type.shape.dim
    symbolic = [bool(d.dim_param) for d in dims]
    if dynamic and not all(symbolic[i] for i in (0, 2, 3)):
        shape = [d.dim_param or d.dim_value for d in dims]
        raise ExportError(
            f"{path}: the exporter fixed a dynamic axis (input shape {shape}); the graph would not follow the input size."
        )


@dataclass(frozen=True)
class Parity:
    """ONNX Runtime against eager PyTorch at one input shape."""

    batch: int
    size: tuple[int, int]
    max_abs_diff: float  # over logits; NaN for a label-map export
    agreement: float  # fraction of pixels with the same argmax

    def ok(self, tolerance: float = LOGIT_TOLERANCE, min_agreement: float = MIN_AGREEMENT) -> bool:
        return (np.isnan(self.max_abs_diff) or self.max_abs_diff <= tolerance) and self.agreement >= min_agreement

    def line(self) -> str:
        diff = "n/a (label map)" if np.isnan(self.max_abs_diff) else f"{self.max_abs_diff:.2e}"
        return (
            f"batch {self.batch}, {self.size[0]}x{self.size[1]}: max |logit diff| {diff}, "
            f"argmax agreement {100 * self.agreement:.3f}%"
        )


def verification_shapes(input_size: tuple[int, int], dynamic: bool) -> list[tuple[int, tuple[int, int]]]:
    """(batch, size) to check: the export size; if dynamic, half of it at batch 2 and an odd size (not divisible by 32)."""
    height, width = input_size
    shapes = [(1, (height, width))]
    if dynamic:
        half = (max(32, height // 2 // 32 * 32), max(32, width // 2 // 32 * 32))
        odd = (max(height * 3 // 4, 40) | 1, max(width * 3 // 4, 40) | 1)
        shapes += [(2, half), (1, odd)]
    return shapes


def verify_onnx(
    model: nn.Module,
    path: str | Path,
    shapes: list[tuple[int, tuple[int, int]]],
    threads: int | None = None,
    seed: int = 0,
) -> list[Parity]:
    """Run ``path`` on ONNX Runtime and ``model`` (unfolded, eager) on the same random inputs at each shape."""
    session = ort_session(path, threads)
    input_name = session.get_inputs()[0].name
    return verify_runner(model, lambda images: session.run(None, {input_name: images})[0], shapes, f"{path}", seed)


def verify_runner(
    model: nn.Module,
    runner: Callable[[np.ndarray], np.ndarray],
    shapes: Sequence[tuple[int, tuple[int, int]]],
    name: str,
    seed: int = 0,
) -> list[Parity]:
    """Any runtime against eager PyTorch: ``runner`` (float32 [N, 3, h, w] -> logits, or uint8 label maps for a
    label-map export) and ``model`` (eval mode) on the same random inputs at each (batch, (H, W))."""
    model = model.eval()
    generator = torch.Generator().manual_seed(seed)
    results = []
    for batch, size in shapes:
        images = torch.randn(batch, 3, *size, generator=generator)
        with torch.inference_mode():
            expected = model(images).numpy()
        got = np.asarray(runner(images.numpy()))
        if got.ndim == 3:  # label-map export
            diff, agreement = float("nan"), float((got == expected.argmax(1)).mean())
        else:
            if got.shape != expected.shape:
                raise ExportError(
                    f"{name}: the runtime returned {got.shape} for an input that PyTorch maps to {expected.shape}."
                )
            diff = float(np.abs(got - expected).max())
            agreement = float((got.argmax(1) == expected.argmax(1)).mean())
        results.append(Parity(batch, size, diff, agreement))
    return results
