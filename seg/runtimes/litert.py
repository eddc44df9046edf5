"""LiteRT (TensorFlow Lite): the runner of ``.tflite`` exports on the interpreter with the XNNPACK delegate.

The export (``seg.export.litert``) keeps the network's NCHW input and output, so this runner has the same
interface as ONNX Runtime's: float32 [N, 3, H, W] in, float32 logits out. Height and width are fixed at export
(the converter folds the decoder's resize target to the export size; ``seg.export.litert`` says how this was
measured); the batch axis follows the input. A fully quantized file takes and returns int8, converted here at
the edges. ``ai_edge_litert`` is the optional ``.[litert]`` extra (or ``.[mobile]``), imported inside the runner.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from seg.runtimes.backends import check_fits

# The name litert-torch gives the one signature of a converted module.
SIGNATURE = "serving_default"


def _interpreter(path: Path, threads: int | None):
    from ai_edge_litert.interpreter import Interpreter

    if not path.is_file():
        raise FileNotFoundError(
            f"LiteRT model {path} does not exist. Export one with seg.export.litert.export_litert (--format litert)."
        )
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}.")
    # The default op resolver applies the XNNPACK delegate to every op it supports.
    return Interpreter(model_path=str(path), num_threads=threads)


class LiteRTRunner:
    """A ``.tflite`` model on the LiteRT interpreter with the XNNPACK delegate, ``num_threads`` set.

    Same interface as :class:`seg.runtimes.onnxruntime.OnnxRunner`: float32 [N, 3, h, w] in, float32 logits out.
    """

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        import ai_edge_litert

        self.path = Path(path)
        self.interpreter = _interpreter(self.path, threads)
        inputs, outputs = self.interpreter.get_input_details(), self.interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ValueError(
                f"LiteRT model {path} has {len(inputs)} inputs and {len(outputs)} outputs; seg exports one of each. "
                "Re-export it."
            )
        self.input_index, self.output_index = inputs[0]["index"], outputs[0]["index"]
        # A fully quantized model takes and returns int8 (scale, zero point); the runner converts at the edges.
        self.input_quantization = _quantization(inputs[0])
        self.output_quantization = _quantization(outputs[0])
        self.input_shape = tuple(int(d) for d in inputs[0]["shape_signature"])  # -1 marks a symbolic axis
        self.output_shape = tuple(int(d) for d in outputs[0]["shape_signature"])  # logits [N, C, H, W]
        self.batch = int(inputs[0]["shape"][0])
        self.interpreter.allocate_tensors()
        self.int8 = any(detail["dtype"] == np.int8 for detail in self.interpreter.get_tensor_details())
        version = getattr(ai_edge_litert, "__version__", "")
        self.description = f"LiteRT {version} XNNPACK, {'INT8' if self.int8 else 'fp32'}".replace("  ", " ")

    def __call__(self, batch: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
        """Logits for ``batch``, as a tensor for a tensor (the Predictor's runners) and an array for an array."""
        if isinstance(batch, torch.Tensor):
            return torch.from_numpy(self(batch.detach().cpu().numpy()))
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        size = self.static_size()
        if batch.ndim != 4 or batch.shape[1] != 3 or (size is not None and batch.shape[2:] != size):
            raise ValueError(
                f"LiteRT model {self.path} takes float32 [N, 3, {size[0]}, {size[1]}] (its export size); "
                f"got {batch.shape}. Resize the images, or re-export at this size."
            )
        if batch.shape[0] != self.batch:
            if self.input_shape[0] != -1:
                raise ValueError(
                    f"LiteRT model {self.path} was exported for batch {self.input_shape[0]}; got {batch.shape[0]}."
                )
            self.interpreter.resize_tensor_input(self.input_index, list(batch.shape))
            self.interpreter.allocate_tensors()
            self.batch = batch.shape[0]
        if self.input_quantization is not None:
            scale, zero_point = self.input_quantization
            batch = np.clip(np.round(batch / scale) + zero_point, -128, 127).astype(np.int8)
        self.interpreter.set_tensor(self.input_index, batch)
        self.interpreter.invoke()
        # get_tensor copies out of the interpreter's arena, which the next invoke overwrites.
        logits = self.interpreter.get_tensor(self.output_index)
        if self.output_quantization is not None:
            scale, zero_point = self.output_quantization
            logits = (logits.astype(np.float32) - zero_point) * np.float32(scale)
        return logits

    def synchronize(self) -> None:
        """The interpreter's ``invoke`` returns when the result is ready."""

    def static_size(self) -> tuple[int, int] | None:
        """(H, W): LiteRT exports are always fixed-size (see the module docstring)."""
        height, width = self.input_shape[2], self.input_shape[3]
        return (height, width) if height > 0 and width > 0 else None

    def check(self, num_classes: int, input_size: tuple[int, int] | None) -> None:
        """Fail with the fix when this file cannot serve a predictor for ``num_classes`` at ``input_size``."""
        classes = self.output_shape[1] if len(self.output_shape) == 4 and self.output_shape[1] > 0 else None
        check_fits(self.path, self.static_size(), classes, num_classes, input_size)


def _quantization(detail: dict) -> tuple[float, int] | None:
    """(scale, zero point) of an int8 graph input or output, None for a float one."""
    if detail["dtype"] == np.float32:
        return None
    if detail["dtype"] != np.int8:
        raise ValueError(f"LiteRT tensor {detail['name']} is {detail['dtype']}; seg's runner reads float32 or int8.")
    scale, zero_point = detail["quantization"]
    return float(scale), int(zero_point)
