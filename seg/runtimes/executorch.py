"""ExecuTorch: the runner of ``.pte`` programs (XNNPACK delegate, fp32 or INT8) behind the one ``Predictor``.

A program exported by ``seg.export.executorch`` carries two small methods beside ``forward`` that say whether
it is dynamic and whether it is INT8, so the file describes itself. A dynamic program accepts any size up to
the one its memory was planned for (``max_shape``); a static one exactly that size. ExecuTorch is the optional
``.[executorch]`` extra (or ``.[mobile]``), imported inside the runner.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from seg.runtimes.backends import check_fits

# Methods an exported program carries beside "forward", so the file says how it was made (seg.export.executorch).
DYNAMIC_METHOD, INT8_METHOD = "seg_dynamic", "seg_int8"


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

    Same interface as :class:`seg.runtimes.onnxruntime.OnnxRunner`. ``threads`` resizes ExecuTorch's one
    process-wide pool (:func:`set_executorch_threads`), so two runners in one process share the last setting.
    """

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        from executorch.runtime import Runtime
        from executorch.version import __version__

        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(
                f"ExecuTorch program {path} does not exist. Export one with seg.export.executorch.export_executorch "
                "(--format executorch)."
            )
        if threads is not None:
            set_executorch_threads(threads)
        program = Runtime.get().load_program(self.path)
        if "forward" not in program.method_names or DYNAMIC_METHOD not in program.method_names:
            raise ValueError(
                f"ExecuTorch program {path} was not exported by seg (no 'forward' and '{DYNAMIC_METHOD}' methods). "
                "Export it with seg.export.executorch.export_executorch (--format executorch)."
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
        self.output_shape = tuple(meta.output_tensor_meta(0).sizes())  # logits [N, C, H, W] (upper bounds)
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

    def check(self, num_classes: int, input_size: tuple[int, int] | None) -> None:
        """Fail with the fix when this program cannot serve a predictor for ``num_classes`` at ``input_size``."""
        classes = self.output_shape[1] if len(self.output_shape) == 4 else None
        check_fits(self.path, self.static_size(), classes, num_classes, input_size)
