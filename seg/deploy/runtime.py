"""Runtimes behind the one ``Predictor`` (``seg.engine.predictor``): the backend table, the exported-file
runners, and ``load_predictor``, which builds a predictor from a config and a weights file.

A runner maps a normalised float32 batch [N, 3, h, w] to float32 logits [N, C, h, w] and nothing else,
so benchmarks time exactly the network on any backend; pre- and postprocessing are the Predictor's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import Tensor

from ..config import (
    Config,
    ConfigError,
    EvalConfig,
    apply_overrides,
    load_config,
    validate_config,
)
from ..data.catalog import ClassSet, dataset_classes
from ..engine.labelmap import LowResolutionLogits
from ..engine.predictor import Predictor, Runner, TorchRunner
from ..models import CheckpointError, build_model, load_weights, read_checkpoint_config
from ..models.checkpoint import check_model_config
from .backends import BACKENDS, RUNTIME_EXTRAS, RUNTIME_SUFFIXES, Backend, choose_backend, runtime_of
from .fuse import fold_batchnorm
from .metadata import model_info, read_metadata
from .metadata import stored_config as metadata_config

__all__ = [
    "BACKENDS",
    "RUNTIME_SUFFIXES",
    "Backend",
    "OnnxRunner",
    "load_predictor",
    "resolve_config",
    "runtime_of",
    "stored_config",
]


def stored_config(weights: str | Path) -> Config | None:
    """The config stored in a model file: a checkpoint's (tools/train.py), an export's (tools/export_onnx.py)."""
    if runtime_of(weights) != "torch":
        return read_onnx_config(weights)
    return read_checkpoint_config(weights)


def resolve_config(
    config_path: str | Path | None,
    weights: str | Path | None,
    overrides: Sequence[str] = (),
    allow_model_mismatch: bool = False,
) -> tuple[Config, list[str]]:
    """The config to run ``weights`` with, and notes for the user.

    Without ``config_path`` it is the config stored in ``weights`` (the model rebuilds itself) with
    ``overrides`` applied. With one, the file's; its model section is then compared with the stored
    one (``seg.models.checkpoint.check_model_config``): a difference that changes the network is an
    error naming the fix unless ``allow_model_mismatch``.
    """
    config = load_config(config_path, overrides) if config_path is not None else None
    if weights is not None and not Path(weights).is_file():
        raise CheckpointError(f"Checkpoint {weights} does not exist. Pass a .ckpt written by tools/train.py, a state "
                              "dict file or an .onnx from tools/export_onnx.py.")  # fmt: skip
    stored = stored_config(weights) if weights is not None else None
    if config is None:
        if stored is None:
            what = "an export without a stored config" if runtime_of(weights) != "torch" else "a plain state dict"
            raise CheckpointError(
                f"Pass the config {weights} was trained with before it ([CONFIG.py] MODEL): it is {what}, so it "
                "cannot rebuild its model on its own."
                if weights is not None
                else "Pass a config or a checkpoint."
            )
        config = apply_overrides(stored, overrides, source=str(weights))
        validate_config(config)
        source = "--set"
    else:
        source = str(config_path)
    notes = [] if stored is None else check_model_config(config, stored, weights, source, allow_model_mismatch)
    return config, notes


def read_onnx_config(path: str | Path) -> Config | None:
    """The config an export was written from (its metadata, seg.deploy.metadata: an .onnx file's own, a .tflite's
    or .pte's sidecar), or None for an export without one."""
    try:
        metadata = read_metadata(path)
    except Exception as error:  # protobuf raises its own DecodeError for a foreign file
        raise ConfigError(
            f"{path} cannot be read as an ONNX model ({type(error).__name__}); export it again with tools/export_onnx.py."
        ) from None
    return metadata_config(metadata, path)


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
    fast_labels: bool = False,
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
    backend = choose_backend(backend, weights)
    chosen = BACKENDS[backend]
    if config is None and chosen.runtime == "torch":
        raise ConfigError(
            f"A predictor without a config needs an .onnx file exported by tools/export_onnx.py (it carries the "
            f"model's classes and input statistics); {weights} is not one. Pass the config the model was trained "
            "with, or use resolve_config to take the one a checkpoint stores."
        )
    if input_size is not None:
        input_size = (int(input_size[0]), int(input_size[1]))
    set_torch_threads(threads)  # pre- and postprocessing run on PyTorch for every backend
    if chosen.runtime != "torch":
        if device != "cpu":
            raise ConfigError(f"The {chosen.runtime} backend runs on the CPU here; got device={device!r}.")
        runner = file_runner(chosen.runtime, weights, threads, bf16=chosen.bf16)
        predictor = _file_predictor(runner, config, input_size, eval, backend)
        predictor.fast_labels = fast_labels  # pays off for an export that ends at the decoder (--low-res-logits)
        stored = config or metadata_config(runner.metadata, weights)
        predictor.align_corners = stored.model.align_corners if stored is not None else False
        return predictor
    num_classes = config.model.num_classes
    model = build_model(config.model)
    if weights is not None:
        load_weights(model, weights)
    if fold_bn:
        model = fold_batchnorm(model)
    if fast_labels:
        # The network stops at the decoder's logits (stride 8) and seg.engine.labelmap takes the label map from
        # them: never 19 x H x W floats at full resolution.
        model = LowResolutionLogits(model)
    torch_runner = TorchRunner(model, channels_last=chosen.channels_last, compile=chosen.compile, device=device)
    if fold_bn:
        torch_runner.description += ", BN folded"
    return Predictor(
        torch_runner, num_classes, config.data.mean, config.data.std, input_size, eval, backend, config_classes(config),
        fast_labels=fast_labels, align_corners=config.model.align_corners,
    )  # fmt: skip


def file_runner(runtime: str, path: str | Path, threads: int | None, bf16: bool = False) -> Runner:
    """The runner of an exported file on ``runtime`` (``bf16``: OpenVINO's float precision); a runtime from an
    extra that is not installed names its extra."""
    if runtime == "onnxruntime":
        return OnnxRunner(path, threads)
    if not Path(path).is_file():
        raise FileNotFoundError(2, f"{runtime} model does not exist (export one with tools/export.py)", str(path))
    try:
        if runtime == "litert":
            from .litert import LiteRTRunner as runner_class
        elif runtime == "openvino":
            import openvino  # noqa: F401 - the extra; seg.deploy.openvino imports it lazily

            from .openvino import OpenVINORunner

            runner_class = lambda path, threads: OpenVINORunner(path, threads, "bf16" if bf16 else "fp32")  # noqa: E731
        else:
            from .executorch import ExecuTorchRunner as runner_class
    except ImportError as error:
        raise ConfigError(
            f"{path} runs on {runtime}, which is not installed ({error}); install it with "
            f'pip install -e ".[{RUNTIME_EXTRAS[runtime]}]" (docs/deployment.md).'
        ) from None
    runner = runner_class(path, threads)
    runner.metadata = read_metadata(path)
    return runner


def _file_predictor(
    runner: Runner,
    config: Config | None,
    input_size: tuple[int, int] | None,
    eval: EvalConfig | None,
    backend: str,
) -> Predictor:
    """An exported file's predictor: its own metadata for classes (and, without a config, the statistics)."""
    info = model_info(runner.metadata)
    exported = runner.num_classes() if hasattr(runner, "num_classes") else None
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
    if hasattr(runner, "check"):
        runner.check(num_classes, input_size)
    static = runner.static_size()
    if static is not None and input_size is not None and input_size != static:
        raise ConfigError(
            f"{runner.path} was exported for a fixed input size {static[0]}x{static[1]} but input_size="
            f"{input_size[0]}x{input_size[1]} was asked for; leave it out (the predictor resizes) or re-export."
        )
    return Predictor(runner, num_classes, mean, std, input_size or static, eval, backend, classes)


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

    def num_classes(self) -> int | None:
        """The class axis of the logits, when the graph fixes it."""
        classes = self.session.get_outputs()[0].shape[1]
        return classes if isinstance(classes, int) else None

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
