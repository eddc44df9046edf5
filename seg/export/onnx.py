"""ONNX export of a segmentor, and the parity check against PyTorch that follows every export.

The exporter is ``torch.onnx.export(..., dynamo=True)`` (torch.export + onnxscript). It traces input
sizes as symbols, so every size-dependent op follows the input: the final and the decoders' resizes
read their target size from ``Shape``, the global pools become ``ReduceMean`` over the spatial axes,
and the LR-ASPP paper pool's clamped kernel becomes shape arithmetic (``seg.models.heads.lraspp.local_pool``).
The legacy TorchScript exporter was not used: it evaluates Python ``min()`` / shape arithmetic once at
the export size and bakes it into constants (an ``AveragePool`` kernel, for one), which a dynamic
graph cannot carry. After export, :func:`verify_onnx` runs ONNX Runtime against eager PyTorch at
several sizes, so a graph that silently specialised fails loudly.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import onnx
import torch
from torch import nn

from seg.errors import ExportError
from seg.export.metadata import write_metadata
from seg.models.fuse import export_copy
from seg.runtimes.backends import DEFAULT_OPSET


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
    (``ModelCard.metadata``: class names, palette, input statistics, the config) goes into the file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = export_copy(model, fold_bn)
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
