"""ExecuTorch (``.pte``) export with the XNNPACK backend, its runner, and INT8 through PT2E.

ExecuTorch is PyTorch's on-device runtime (Android, iOS, embedded); its XNNPACK delegate runs the same
kernels as LiteRT's on phones. Measured with executorch 1.5.1 on torch 2.14:

- ``torch.export`` -> ``to_edge_transform_and_lower`` with ``XnnpackPartitioner`` delegates the whole
  segmentor (convolutions, h-swish, SE, pools, resizes) to XNNPACK; the file keeps NCHW input and output.
- Dynamic shapes work: batch, height and width symbolic, including sizes not divisible by 32. ExecuTorch
  plans every intermediate buffer ahead of time for the *largest* shape, so a dynamic export is bounded:
  ``input_size`` is the largest H x W the file accepts (memory for it is allocated at load), ``max_batch``
  the largest batch. Unbounded axes (as in ONNX) are not possible.
- INT8 is PT2E (``prepare_pt2e`` / ``convert_pt2e`` from torchao) with ExecuTorch's ``XNNPACKQuantizer``:
  symmetric per-channel int8 weights, int8 activations, calibrated on preprocessed float batches; the
  quantize/dequantize pairs around each op are fused into XNNPACK's int8 kernels when lowered.

ExecuTorch and torchao are the optional ``.[executorch]`` extra: imported inside the functions.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seg.errors import ExportError
from seg.models.fuse import export_copy
from seg.runtimes.executorch import DYNAMIC_METHOD, INT8_METHOD

# The smallest side a dynamic export accepts: the encoder's stride-32 stage needs at least one pixel.
MIN_SIDE = 32
# Constant methods in every seg export: 1 when H and W are dynamic, 1 when the program is INT8.


def export_executorch(
    model: nn.Module,
    path: str | Path,
    input_size: tuple[int, int] = (512, 1024),
    dynamic: bool = False,
    max_batch: int = 1,
    fold_bn: bool = True,
    calibration: Sequence[np.ndarray] | None = None,
) -> Path:
    """Export ``model`` (float images [N, 3, H, W] -> logits [N, C, H, W]) to a ``.pte`` file at ``path``.

    Static: fixed to ``input_size`` and ``max_batch``. ``dynamic``: H and W from 32 up to ``input_size``
    and the batch from 1 up to ``max_batch`` (the upper bounds size the memory plan). ``calibration``
    (preprocessed float32 batches [N, 3, h, w]) makes the export INT8 through PT2E.
    """
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    height, width = input_size
    if max_batch < 1:
        raise ExportError(f"max_batch must be at least 1, got {max_batch}.")
    if dynamic and min(height, width) < MIN_SIDE:
        raise ExportError(f"A dynamic ExecuTorch export needs an input size of at least {MIN_SIDE}, got {input_size}.")
    if calibration is not None and not calibration:
        raise ExportError("INT8 export needs at least one calibration batch.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = export_copy(model, fold_bn)
    example = (torch.randn(max_batch, 3, height, width),)
    dynamic_shapes = _dynamic_shapes(input_size, max_batch) if dynamic else None
    log = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(log):
        warnings.simplefilter("ignore")
        try:
            program = torch.export.export(model, example, dynamic_shapes=dynamic_shapes)
        except Exception as error:  # torch.export raises several types (constraint violations, user errors)
            if not dynamic:
                raise
            # The authors' crop-derived gate pool computes its kernel from the feature size; torch.export cannot
            # prove that arithmetic valid over the whole size range, so such a model exports at one size only.
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ExportError(
                f"torch.export cannot make this model's height and width dynamic ({first}); the gate pool "
                "(model.pool='crop' or 'paper') computes shapes from the input. Export it at a fixed size: drop "
                "--dynamic (the Predictor resizes images to the export size)."
            ) from None
        if calibration is not None:
            program = torch.export.export(_quantize_pt2e(program, calibration), example, dynamic_shapes=dynamic_shapes)
        # Two constant methods record what the runner cannot read from the program's metadata.
        facts = {DYNAMIC_METHOD: int(dynamic), INT8_METHOD: int(calibration is not None)}
        lowered = to_edge_transform_and_lower(
            program, partitioner=[XnnpackPartitioner()], constant_methods=facts
        ).to_executorch()
    path.write_bytes(lowered.buffer)
    return path


def _dynamic_shapes(input_size: tuple[int, int], max_batch: int) -> dict:
    from torch.export import Dim

    height, width = input_size
    axes = {2: Dim("height", min=MIN_SIDE, max=height), 3: Dim("width", min=MIN_SIDE, max=width)}
    if max_batch > 1:
        # torch.export specialises a size-1 axis, so the batch is symbolic only when the example has 2 or more.
        axes[0] = Dim("batch", min=1, max=max_batch)
    return {"images": axes}


def _quantize_pt2e(program: torch.export.ExportedProgram, calibration: Sequence[np.ndarray]) -> torch.fx.GraphModule:
    """PT2E static INT8 with the XNNPACK quantizer, activation ranges observed on ``calibration``."""
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
    prepared = prepare_pt2e(program.module(), quantizer)
    with torch.no_grad():
        for batch in calibration:
            prepared(torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32)))
    return convert_pt2e(prepared)
