"""Runtimes behind the one ``Predictor`` (``seg.engine.predictor``): the backend table, the exported-file
runners, and ``load_predictor``, which builds a predictor from a config and a weights file.

A runner maps a normalised float32 batch [N, 3, h, w] to float32 logits [N, C, h, w] and nothing else,
so benchmarks time exactly the network on any backend; pre- and postprocessing are the Predictor's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import Tensor

from ..config import Config, ConfigError, EvalConfig
from ..data.catalog import ClassSet, dataset_classes
from ..engine.predictor import Predictor, TorchRunner
from ..models import build_model, load_weights
from .fuse import fold_batchnorm
from .metadata import model_info


@dataclass(frozen=True)
class Backend:
    """One way to run a model: the runtime that runs it and how."""

    name: str
    runtime: str  # "torch" runs checkpoints and state dicts; "onnxruntime" runs .onnx files
    channels_last: bool = False
    compile: bool = False
    int8: bool = False  # benchmarks quantize the export first (seg.deploy.quantize)


# The one list of backends: every tool's --backend / --backends choices come from here.
BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend("torch", "torch"),
        Backend("torch-channels-last", "torch", channels_last=True),
        Backend("torch-compile", "torch", channels_last=True, compile=True),
        Backend("onnxruntime", "onnxruntime"),
        Backend("onnxruntime-int8", "onnxruntime", int8=True),
    )
}
# Runtime -> the model-file suffixes it runs (anything else is a checkpoint or state dict for torch).
RUNTIME_SUFFIXES: dict[str, tuple[str, ...]] = {"onnxruntime": (".onnx",)}
RUNTIMES = tuple(dict.fromkeys(backend.runtime for backend in BACKENDS.values()))


def runtime_of(weights: str | Path | None) -> str:
    """The runtime that runs ``weights``, from its suffix: an .onnx file runs on ONNX Runtime, the rest on torch."""
    suffix = Path(weights).suffix.lower() if weights is not None else ""
    return next((runtime for runtime, suffixes in RUNTIME_SUFFIXES.items() if suffix in suffixes), "torch")


def set_torch_threads(threads: int | None) -> None:
    """Fix PyTorch's intra-op thread count (process-wide); None keeps PyTorch's default (all cores)."""
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}.")
        torch.set_num_threads(threads)


def load_predictor(
    config: Config | None,
    weights: str | Path | None = None,
    backend: str | None = None,
    input_size: tuple[int, int] | None = None,
    threads: int | None = None,
    device: str = "cpu",
    fold_bn: bool = True,
    eval: EvalConfig | None = None,
) -> Predictor:
    """A ``Predictor`` for the model ``config`` describes, with ``weights`` on ``backend``.

    ``weights``: a Lightning .ckpt or state dict (torch backends; None = random initialisation) or an
    .onnx file (fp32 or INT8). An .onnx file from tools/export_onnx.py carries its class names, colours and
    input statistics (seg.deploy.metadata), so ``config`` may be None for it; with a config, a file whose
    classes differ from the config's dataset is refused. ``backend``: a name from ``BACKENDS``; None picks the runtime from the
    file (``torch-channels-last`` for checkpoints). ``input_size`` (H, W) is the size the network runs
    at (None = each image's own; a fixed-size export uses its own). ``threads`` fixes the intra-op thread
    count (PyTorch's is process-wide). ``eval`` defaults to whole-image, single-scale inference.
    """
    runtime = runtime_of(weights)
    if config is None and runtime == "torch":
        raise ConfigError(
            f"A predictor without a config needs an .onnx file exported by tools/export_onnx.py (it carries the "
            f"model's classes and input statistics); {weights} is not one. Pass the config the model was trained with."
        )
    if backend is None:
        backend = "torch-channels-last" if runtime == "torch" else runtime
    if backend not in BACKENDS:
        raise ConfigError(f"Unknown backend {backend!r}; use one of {', '.join(BACKENDS)}.")
    chosen = BACKENDS[backend]
    if chosen.runtime != runtime or (runtime != "torch" and weights is None):
        if chosen.runtime == "torch":
            raise ConfigError(
                f"--backend {backend} cannot run {weights}: it runs checkpoints, and this file runs on {runtime}. "
                "Leave --backend out (the file picks its runtime)."
            )
        suffix = RUNTIME_SUFFIXES[chosen.runtime][0]
        raise ConfigError(
            f"backend={backend!r} needs weights=PATH{suffix}, got {weights!r}. "
            f"Export one with tools/export_onnx.py CONFIG [CHECKPOINT] --output PATH{suffix}."
        )
    if input_size is not None:
        input_size = (int(input_size[0]), int(input_size[1]))
    set_torch_threads(threads)  # pre- and postprocessing run on PyTorch for every backend
    if chosen.runtime == "onnxruntime":
        if device != "cpu":
            raise ConfigError(f"The onnxruntime backend runs on the CPU here; got device={device!r}.")
        runner = OnnxRunner(weights, threads)
        return _onnx_predictor(runner, config, input_size, eval, backend)
    assert config is not None
    num_classes = config.model.num_classes
    model = build_model(config.model)
    if weights is not None:
        load_weights(model, weights)
    if fold_bn:
        model = fold_batchnorm(model)
    torch_runner = TorchRunner(model, channels_last=chosen.channels_last, compile=chosen.compile, device=device)
    if fold_bn:
        torch_runner.description += ", BN folded"
    return Predictor(
        torch_runner, num_classes, config.data.mean, config.data.std, input_size, eval, backend, config_classes(config)
    )


def _onnx_predictor(
    runner: OnnxRunner,
    config: Config | None,
    input_size: tuple[int, int] | None,
    eval: EvalConfig | None,
    backend: str,
) -> Predictor:
    """An exported file's predictor: its own metadata for classes (and, without a config, the statistics)."""
    info = model_info(runner.metadata)
    exported = runner.session.get_outputs()[0].shape[1]
    if config is None:
        if info.mean is None or info.std is None:
            raise ConfigError(
                f"{runner.path} carries no input statistics (exported before seg wrote them); pass the config it "
                "was exported from, or export it again with tools/export_onnx.py."
            )
        num_classes = exported if isinstance(exported, int) else len(info.classes.names) if info.classes else 0
        if num_classes < 1:
            raise ConfigError(f"{runner.path} does not say how many classes it predicts; pass its config.")
        mean, std, classes = info.mean, info.std, info.classes
    else:
        num_classes, mean, std = config.model.num_classes, config.data.mean, config.data.std
        configured = config_classes(config)
        if info.classes is not None and configured is not None and info.classes.names != configured.names:
            raise ConfigError(
                f"{runner.path} was exported for the classes {info.classes.names[:4]}... but the config's dataset "
                f"{config.data.dataset!r} has {configured.names[:4]}...; use the config the model was trained with."
            )
        classes = info.classes or configured
    runner.check(num_classes, input_size)
    input_size = input_size or runner.static_size()
    return Predictor(runner, num_classes, mean, std, input_size, eval, backend, classes)


def config_classes(config: Config) -> ClassSet | None:
    """The dataset's classes when they describe this model's outputs (None for a foreign class count)."""
    try:
        classes = dataset_classes(config.data)
    except ValueError:
        return None
    return classes if len(classes.names) == config.model.num_classes else None


def ort_session(
    path: str | Path, threads: int | None = None, profile_prefix: str | None = None
) -> ort.InferenceSession:
    """An ONNX Runtime CPU session with every graph optimisation on and a fixed intra-op thread count."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "ONNX model does not exist (export one with tools/export_onnx.py)", str(path))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own types (InvalidProtobuf, Fail) for a bad file
        raise ConfigError(
            f"ONNX Runtime cannot load {path} ({type(error).__name__}: {str(error).splitlines()[0]}). "
            "It may be truncated or not an ONNX model; export it again with tools/export_onnx.py."
        ) from None


class OnnxRunner:
    """An ONNX Runtime session (fp32 or INT8 QDQ) with ``intra_op_num_threads`` set."""

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        self.path = Path(path)
        self.session = ort_session(path, threads)
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if len(inputs) != 1:
            raise ValueError(f"ONNX model {path} has {len(inputs)} inputs; seg exports one image input. Re-export it.")
        self.input_name = inputs[0].name
        self.output_name = outputs[0].name
        # Static dimensions are ints, dynamic ones strings (e.g. "height").
        self.input_shape = inputs[0].shape
        self.outputs_labels = outputs[0].type != "tensor(float)"
        self.int8 = any(node_type == "QuantizeLinear" for node_type in _op_types(path))
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map)
        self.description = f"onnxruntime {ort.__version__} CPU, {'INT8 QDQ' if self.int8 else 'fp32'}"

    def __call__(self, batch: Tensor) -> Tensor:
        array = np.ascontiguousarray(batch.detach().cpu().numpy(), dtype=np.float32)
        return torch.from_numpy(self.session.run([self.output_name], {self.input_name: array})[0])

    def check(self, num_classes: int, input_size: tuple[int, int] | None) -> None:
        """Fail with the fix when this file cannot serve a predictor for ``num_classes`` at ``input_size``."""
        if self.outputs_labels:
            raise ConfigError(
                f"{self.path} outputs label maps (exported with --labels); the Predictor needs logits. "
                "Re-export without --labels."
            )
        static = self.static_size()
        if static is not None and input_size is not None and input_size != static:
            raise ConfigError(
                f"{self.path} was exported for a fixed input size {static[0]}x{static[1]} but input_size="
                f"{input_size[0]}x{input_size[1]} was asked for. Re-export with --dynamic or --input-size."
            )
        classes = self.session.get_outputs()[0].shape[1]
        if isinstance(classes, int) and classes != num_classes:
            raise ConfigError(
                f"{self.path} predicts {classes} classes but the config has model.num_classes={num_classes}; "
                "use the config the model was exported from."
            )

    def synchronize(self) -> None:
        """ONNX Runtime's CPU ``run`` returns when the result is ready."""

    def static_size(self) -> tuple[int, int] | None:
        """(H, W) when the model was exported with a fixed input size, else None."""
        height, width = self.input_shape[2], self.input_shape[3]
        return (height, width) if isinstance(height, int) and isinstance(width, int) else None


def _op_types(path: str | Path) -> set[str]:
    return {node.op_type for node in onnx.load(str(path), load_external_data=False).graph.node}
