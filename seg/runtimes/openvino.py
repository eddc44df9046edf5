"""OpenVINO IR files (``.xml`` + ``.bin``) on OpenVINO's CPU plugin, fp32, bf16 or INT8, behind the one Predictor.

OpenVINO is what x86 servers and edge boxes deploy a MobileNet with: its CPU plugin (oneDNN) uses AVX-512,
VNNI, AMX and BF16 where the CPU has them. Three settings are fixed here rather than left to the plugin:

- The inference precision is explicit (``INFERENCE_PRECISION_HINT``): on a CPU with AVX-512 BF16 or AMX the
  plugin's default is bf16, so an "fp32" file would silently run in bf16. ``precision="bf16"`` asks for it
  where the CPU has it (:func:`supports_bf16`) and is refused where it does not; an INT8 file runs its
  float parts (the decoder tail) in fp32.
- One stream, ``PERFORMANCE_HINT=LATENCY`` and ``INFERENCE_NUM_THREADS``: batch-1 latency on a fixed
  thread count, as every runtime here is measured.
- A dynamic-shape IR is compiled again for each new input shape (up to ``STATIC_SHAPES``; later ones run on
  the dynamic compilation): the plugin plans memory and picks kernels once per static shape.

The ``openvino`` import is inside the functions: it is the optional ``.[openvino]`` extra.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from seg.config import ConfigError
from seg.runtimes.backends import check_fits

PRECISIONS = {"fp32": "f32", "bf16": "bf16"}  # runner option -> INFERENCE_PRECISION_HINT
STATIC_SHAPES = 4


@lru_cache(maxsize=1)
def openvino_core():
    """The process's one ``openvino.Core`` (it holds the loaded plugins)."""
    import openvino as ov

    return ov.Core()


def supports_bf16() -> bool:
    """Whether the CPU plugin can compute in bf16 on this CPU (AVX-512 BF16 or AMX)."""
    return "BF16" in openvino_core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


def compile_config(precision: str, threads: int | None, profile: bool = False) -> dict[str, str]:
    """The CPU plugin settings every OpenVINO run here uses (see the module docstring)."""
    if precision not in PRECISIONS:
        raise ConfigError(f"OpenVINO precision must be one of {', '.join(PRECISIONS)}; got {precision!r}.")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}.")
    config = {
        "INFERENCE_PRECISION_HINT": PRECISIONS[precision],
        "PERFORMANCE_HINT": "LATENCY",
        "NUM_STREAMS": "1",
        "PERF_COUNT": "YES" if profile else "NO",
    }
    if threads is not None:
        config["INFERENCE_NUM_THREADS"] = str(threads)
    return config


class OpenVINORunner:
    """An OpenVINO IR on the CPU plugin; float32 [N, 3, h, w] in, float32 logits out (like ``OnnxRunner``).

    Args:
        path: the ``.xml`` file (its ``.bin`` beside it).
        threads: ``INFERENCE_NUM_THREADS`` (None: the plugin's default, all cores).
        precision: "fp32" or "bf16" (the float ops' precision; an INT8 IR's quantized ops stay int8).
        profile: collect OpenVINO's per-layer counters (``PERF_COUNT``) for :meth:`layer_times`.
    """

    def __init__(
        self, path: str | Path, threads: int | None = None, precision: str = "fp32", profile: bool = False
    ) -> None:
        import openvino as ov

        self.path = Path(path)
        if not self.path.is_file() or not self.path.with_suffix(".bin").is_file():
            raise FileNotFoundError(
                2, "OpenVINO IR (.xml and its .bin) does not exist (export one with tools/export.py --format openvino)",
                str(self.path),
            )  # fmt: skip
        if precision == "bf16" and not supports_bf16():
            raise ConfigError(
                f"{self.path}: this CPU has no bf16 arithmetic (OpenVINO's CPU plugin lists no BF16 capability: it "
                "needs AVX-512 BF16 or AMX); use the openvino backend (fp32) or openvino-int8."
            )
        self.config = compile_config(precision, threads, profile)
        try:
            self.model = openvino_core().read_model(str(self.path))
        except RuntimeError as error:
            raise ConfigError(
                f"OpenVINO cannot read {self.path} ({str(error).splitlines()[0]}); export it again with tools/export.py "
                "--format openvino."
            ) from None
        if len(self.model.inputs) != 1 or len(self.model.outputs) != 1:
            raise ValueError(
                f"OpenVINO model {path} has {len(self.model.inputs)} inputs and {len(self.model.outputs)} outputs; "
                "seg exports one of each. Re-export it."
            )
        self.input_shape = self.model.inputs[0].get_partial_shape()
        self.dynamic = self.input_shape.is_dynamic
        self.int8 = any(op.get_type_name() == "FakeQuantize" for op in self.model.get_ops())
        self.precision = precision
        self.compiled = {None: openvino_core().compile_model(self.model, "CPU", self.config)}
        self.requests = {None: self.compiled[None].create_infer_request()}
        self.last_request = self.requests[None]
        kind = f"INT8 (NNCF), float ops {precision}" if self.int8 else precision
        self.description = f"OpenVINO {ov.__version__.split('-')[0]} CPU, {kind}"

    def __call__(self, batch: Tensor | np.ndarray) -> Tensor | np.ndarray:
        """Logits for ``batch``, as a tensor for a tensor (the Predictor's runners) and an array for an array."""
        if isinstance(batch, Tensor):
            return torch.from_numpy(self(batch.detach().cpu().numpy()))
        array = np.ascontiguousarray(batch, dtype=np.float32)
        request = self.last_request = self._request(tuple(array.shape))
        request.infer({0: array}, share_inputs=True)
        return request.get_output_tensor(0).data.copy()  # the request's buffer is reused by the next call

    def _request(self, shape: tuple[int, ...]):
        if shape in self.requests:
            return self.requests[shape]
        if not self.dynamic or len(self.requests) > STATIC_SHAPES:
            return self.requests[None]
        static = self.model.clone()
        static.reshape({0: list(shape)})
        self.compiled[shape] = openvino_core().compile_model(static, "CPU", self.config)
        self.requests[shape] = self.compiled[shape].create_infer_request()
        return self.requests[shape]

    def num_classes(self) -> int | None:
        """The class axis of the logits, when the graph fixes it."""
        dim = self.model.outputs[0].get_partial_shape()[1]
        return dim.get_length() if dim.is_static else None

    def check(self, num_classes: int, input_size: tuple[int, int] | None) -> None:
        """Fail with the fix when this file cannot serve a predictor for ``num_classes`` at ``input_size``."""
        check_fits(self.path, self.static_size(), self.num_classes(), num_classes, input_size)

    def synchronize(self) -> None:
        """``infer`` returns when the result is ready."""

    def static_size(self) -> tuple[int, int] | None:
        """(H, W) when the model was exported with a fixed input size, else None."""
        height, width = self.input_shape[2], self.input_shape[3]
        return (height.get_length(), width.get_length()) if height.is_static and width.is_static else None

    def layer_times(self) -> dict[str, float]:
        """Milliseconds per executed layer type and kernel (OpenVINO's ``PERF_COUNT``) of the last call."""
        times: dict[str, float] = {}
        for info in self.last_request.get_profiling_info():
            if info.status.name == "EXECUTED":
                key = f"{info.node_type} ({info.exec_type})"
                times[key] = times.get(key, 0.0) + info.real_time.total_seconds() * 1e3
        return times
