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
import os
import platform
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import torch
import torchvision
from torch import nn

from ..config import Config
from ..data.normalize import Normalizer
from ..engine.labelmap import LowResolutionLogits
from ..engine.predictor import Predictor, TorchRunner
from ..models import build_model, load_weights
from ..synthetic.weights import settle_batchnorm
from .export import export_onnx
from .quantize import ImageCalibrationReader, quantize_int8
from .runtime import BACKENDS, load_predictor


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p90_ms: float
    mean_ms: float
    min_ms: float
    iters: int
    peak_memory_mb: float


def machine_info(threads: int | None, device: str = "cpu") -> dict[str, object]:
    """CPU model, cores, GPU, library versions and thread count: printed with every report."""
    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    gpu = torch.cuda.get_device_name(0) if device.startswith("cuda") and torch.cuda.is_available() else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "gpu": gpu or "none (CPU run)",
        "threads": threads if threads is not None else torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnxruntime": ort.__version__,
        "onnx": onnx.__version__,
        "numpy": np.__version__,
    }


class RssSampler:
    """Peak resident memory of this process above a baseline, sampled every millisecond (Linux /proc)."""

    def __init__(self) -> None:
        self.baseline = self.peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.001):
            self.peak = max(self.peak, _rss_bytes())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def delta_mb(self) -> float:
        return (self.peak - self.baseline) / 2**20


def _rss_bytes() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):  # not Linux: fall back to the process's lifetime peak
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# Untimed pause after every CPU call. After a call returns, ONNX Runtime's intra-op workers and PyTorch's
# OpenMP threads keep spinning for a while before they sleep; with calls back to back, the next runner
# shares the cores with them. Measured on the 2-core machine, 2 threads, LR-ASPP Large at 512x1024: ONNX
# Runtime fp32 and INT8 sessions alternating took 146 / 142 ms per call back to back and 104 / 99 ms with a
# 50 ms pause, as each alone (102 / 86 ms, same process, same minute).
PAUSE_S = 0.05


def time_interleaved(
    calls: dict[str, Callable[[], object]],
    iters: int,
    device: str = "cpu",
    on_step: Callable[[], None] | None = None,
    pause_s: float = PAUSE_S,
) -> dict[str, list[float]]:
    """Seconds per call for each named callable, calling them in turn ``iters`` times.

    On the CPU each call is followed by an untimed ``pause_s`` (see ``PAUSE_S``)."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    cuda = device.startswith("cuda")
    for _ in range(iters):
        for name, call in calls.items():
            if cuda:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                torch.cuda.synchronize()
                start.record()
                call()
                end.record()
                torch.cuda.synchronize()
                times[name].append(start.elapsed_time(end) / 1e3)
            else:
                begin = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - begin)
                time.sleep(pause_s)
            if on_step is not None:
                on_step()
    return times


def summarise(seconds: list[float], peak_memory_mb: float) -> Timing:
    ms = np.asarray(seconds) * 1e3
    return Timing(
        median_ms=float(np.median(ms)),
        p90_ms=float(np.percentile(ms, 90)),
        mean_ms=float(ms.mean()),
        min_ms=float(ms.min()),
        iters=len(ms),
        peak_memory_mb=float(peak_memory_mb),
    )


def warm_up(build: Callable[[], Predictor], batch: torch.Tensor, warmup: int, device: str) -> tuple[Predictor, float]:
    """Build a predictor and run ``warmup`` calls; returns it with the peak memory (MB) this took."""
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        predictor = build()
        for _ in range(max(1, warmup)):
            predictor.infer(batch)
        return predictor, torch.cuda.max_memory_allocated() / 2**20
    with RssSampler() as sampler:
        predictor = build()
        for _ in range(max(1, warmup)):
            predictor.infer(batch)
    return predictor, sampler.delta_mb


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
    checkpoint: str | Path | None = None,
    low_res_logits: bool = False,
) -> dict[str, Path]:
    """The model's weights as a state dict (``checkpoint``'s, or random with BatchNorm statistics settled so
    activations have a realistic scale), and its dynamic ONNX export (fp32 and INT8) when an ONNX Runtime
    backend is asked for. ``low_res_logits``: every export ends at the decoder's stride-8 logits (the fast label
    maps' network, seg.engine.labelmap), so no runtime runs the final resize."""
    model = build_model(config.model)
    if checkpoint is not None:
        load_weights(model, checkpoint)
    else:
        settle_batchnorm(model, settle_size(input_size))
    files = {"weights": workdir / "weights.pt"}
    torch.save(model.state_dict(), files["weights"])
    network = LowResolutionLogits(model) if low_res_logits else model
    if any(BACKENDS[b].runtime == "onnxruntime" for b in backends):
        files["onnxruntime"] = export_onnx(network, workdir / "model.onnx", input_size=input_size, dynamic=True)
    if "onnxruntime-int8" in backends:
        predictor = load_predictor(config, files["onnxruntime"], input_size=input_size)
        reader = ImageCalibrationReader(calibration, predictor.preprocess)
        files["onnxruntime-int8"] = workdir / "model.int8.onnx"
        quantize_int8(files["onnxruntime"], files["onnxruntime-int8"], reader)
    files |= mobile_files(network, config, workdir, backends, calibration, input_size)
    if any(BACKENDS[b].runtime == "openvino" for b in backends):
        from .openvino_export import benchmark_files

        files |= benchmark_files(network, config, workdir, backends, calibration, input_size)
    return files


def mobile_files(
    model: nn.Module,
    config: Config,
    workdir: Path,
    backends: list[str],
    calibration: list[np.ndarray],
    input_size: tuple[int, int],
) -> dict[str, Path]:
    """LiteRT and ExecuTorch exports at ``input_size`` (fixed: LiteRT cannot be dynamic, and ExecuTorch cannot for
    the gate pools that compute shapes from the input), fp32 and INT8, for the backends asked for; INT8 is
    calibrated on ``calibration`` through each runtime's own quantizer."""
    runtimes = {BACKENDS[b].runtime for b in backends}
    files: dict[str, Path] = {}
    if not runtimes & {"litert", "executorch"}:
        return files
    normalize = Normalizer(config.data.mean, config.data.std)
    batches = [
        normalize(torch.from_numpy(cv2.resize(image, input_size[::-1])).permute(2, 0, 1)[None]).numpy()
        for image in calibration
    ]
    if "litert" in runtimes:
        from .litert import export_litert, quantize_litert_int8

        files["litert"] = export_litert(model, workdir / "model.tflite", input_size)
        if "litert-int8" in backends:
            files["litert-int8"] = quantize_litert_int8(files["litert"], workdir / "model.int8.tflite", batches)
    if "executorch" in runtimes:
        from .executorch import export_executorch

        files["executorch"] = export_executorch(model, workdir / "model.pte", input_size)
        if "executorch-int8" in backends:
            files["executorch-int8"] = export_executorch(
                model, workdir / "model.int8.pte", input_size, calibration=batches
            )
    return files


def files_at_size(
    config: Config,
    files: dict[str, Path],
    backends: list[str],
    calibration: list[np.ndarray],
    size: tuple[int, int],
    low_res_logits: bool = False,
) -> dict[str, Path]:
    """``files`` with the fixed-size exports (LiteRT, ExecuTorch) made again at ``size``, beside the others, so that
    a sweep over sizes measures them at every size like the dynamic ONNX and OpenVINO files."""
    if not {BACKENDS[b].runtime for b in backends} & {"litert", "executorch"}:
        return files
    model = build_model(config.model)
    load_weights(model, files["weights"])
    folder = files["weights"].parent / f"{size[0]}x{size[1]}"
    folder.mkdir(exist_ok=True)
    network = LowResolutionLogits(model) if low_res_logits else model
    return files | mobile_files(network, config, folder, backends, calibration, size)


def predictor_factory(
    config: Config,
    files: dict[str, Path],
    backend: str,
    input_size: tuple[int, int],
    threads: int | None,
    device: str,
    fast_labels: bool = False,
) -> Callable[[], Predictor]:
    """Builds ``backend``'s predictor for the model in ``files`` (see ``model_files``; ``fast_labels`` for files
    made with ``low_res_logits``)."""
    runtime = BACKENDS[backend].runtime
    weights = files[backend] if runtime != "torch" else files["weights"]
    return lambda: load_predictor(config, weights, backend, input_size, threads, device, fast_labels=fast_labels)


def reference_factory(
    model: nn.Module, config: Config, input_size: tuple[int, int], device: str
) -> Callable[[], Predictor]:
    """torchvision's model as shipped: eager, NCHW, BatchNorm not folded."""
    runner = lambda: TorchRunner(model, channels_last=False, device=device)  # noqa: E731
    return lambda: Predictor(runner(), config.model.num_classes, config.data.mean, config.data.std, input_size)


def scratch_dir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="seg-benchmark-")


def precision_of(backend: str) -> str:
    chosen = BACKENDS.get(backend)
    return "int8" if backend.endswith("int8") else "bf16" if chosen is not None and chosen.bf16 else "fp32"


def with_output_stride(config: Config, output_stride: int | None) -> Config:
    if output_stride is None or output_stride == config.model.output_stride:
        return config
    return dataclasses.replace(config, model=dataclasses.replace(config.model, output_stride=output_stride))
