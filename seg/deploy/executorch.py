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
import copy
import io
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .export import ExportError
from .fuse import fold_batchnorm

# The smallest side a dynamic export accepts: the encoder's stride-32 stage needs at least one pixel.
MIN_SIDE = 32
# Constant methods in every seg export: 1 when H and W are dynamic, 1 when the program is INT8.
DYNAMIC_METHOD, INT8_METHOD = "seg_dynamic", "seg_int8"


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
    model = fold_batchnorm(model) if fold_bn else copy.deepcopy(model).eval()
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


def set_executorch_threads(threads: int) -> None:
    """Size ExecuTorch's process-wide thread pool (XNNPACK's workers).

    ExecuTorch has one pool per process and exposes no per-program setting; the pybinding that resets it is
    marked unsafe because it must not run while a program executes, which holds between calls here.
    """
    from executorch.extension.pybindings import portable_lib

    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}.")
    if portable_lib._threadpool_get_thread_count() != threads:
        portable_lib._unsafe_reset_threadpool(threads)


class ExecuTorchRunner:
    """A ``.pte`` program's ``forward`` on the ExecuTorch runtime (XNNPACK delegate).

    Same interface as :class:`seg.deploy.runtime.OnnxRunner`. ``threads`` resizes ExecuTorch's one
    process-wide pool (:func:`set_executorch_threads`), so two runners in one process share the last setting.
    """

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        from executorch.runtime import Runtime
        from executorch.version import __version__

        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(
                f"ExecuTorch program {path} does not exist. Export one with seg.deploy.executorch.export_executorch "
                "(--format executorch)."
            )
        if threads is not None:
            set_executorch_threads(threads)
        program = Runtime.get().load_program(self.path)
        if "forward" not in program.method_names or DYNAMIC_METHOD not in program.method_names:
            raise ValueError(
                f"ExecuTorch program {path} was not exported by seg (no 'forward' and '{DYNAMIC_METHOD}' methods). "
                "Export it with seg.deploy.executorch.export_executorch (--format executorch)."
            )
        self.method = program.load_method("forward")
        meta = self.method.metadata
        if meta.num_inputs() != 1 or meta.num_outputs() != 1:
            raise ValueError(
                f"ExecuTorch program {path} has {meta.num_inputs()} inputs and {meta.num_outputs()} outputs; "
                "seg exports one of each. Re-export it."
            )
        # For a dynamic program these are the upper bounds the memory plan was made for.
        self.max_shape = tuple(meta.input_tensor_meta(0).sizes())
        self.dynamic = bool(program.load_method(DYNAMIC_METHOD).execute([])[0])
        self.int8 = bool(program.load_method(INT8_METHOD).execute([])[0])
        version = __version__.split("+")[0]
        self.description = f"ExecuTorch {version} XNNPACK, {'INT8' if self.int8 else 'fp32'}"

    def __call__(self, batch: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
        """Logits for ``batch``, as a tensor for a tensor (the Predictor's runners) and an array for an array."""
        if isinstance(batch, torch.Tensor):
            return torch.from_numpy(self(batch.detach().cpu().numpy()))
        images = torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))
        if images.ndim != 4 or any(got > most for got, most in zip(images.shape, self.max_shape, strict=True)):
            raise ValueError(
                f"ExecuTorch program {self.path} takes float32 [N, 3, H, W] up to {list(self.max_shape)} (its export "
                f"size); got {list(images.shape)}. Resize the images, or re-export with a larger --input-size."
            )
        try:
            logits = self.method.execute([images])[0]
        except RuntimeError as error:  # a static program given another size
            raise ValueError(
                f"ExecuTorch program {self.path} could not run on {list(images.shape)}: {error}. A static export takes "
                f"exactly {list(self.max_shape)}; re-export with --dynamic for other sizes."
            ) from error
        # The output aliases the program's planned memory, which the next execute overwrites.
        return logits.numpy().copy()

    def synchronize(self) -> None:
        """``execute`` returns when the result is ready."""

    def static_size(self) -> tuple[int, int] | None:
        """(H, W) of a static export; None for a dynamic one (any size up to ``max_shape``)."""
        return None if self.dynamic else (self.max_shape[2], self.max_shape[3])
