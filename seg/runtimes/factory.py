"""The one factory from a ``ModelCard`` (``seg.inference.card.read_card``) to a ``Predictor``.

It picks the runner: the network itself on PyTorch for a checkpoint (BatchNorm folded for speed unless the
exact trained network is asked for), or the export's runtime (``seg.runtimes.onnxruntime``, ``.litert``,
``.executorch``) for a file. A runner maps a normalised float32 batch [N, 3, h, w] to float32 logits
[N, C, h, w] and nothing else, so benchmarks time exactly the network on any backend; pre- and postprocessing
are the Predictor's.
"""

from __future__ import annotations

from pathlib import Path

import torch

from seg.config import ConfigError, EvalConfig
from seg.inference.card import ModelCard
from seg.inference.labelmap import LowResolutionLogits
from seg.inference.predictor import Predictor, Runner, TorchRunner
from seg.models import build_model
from seg.models.checkpoint import load_state
from seg.models.fuse import fold_batchnorm
from seg.runtimes.backends import BACKENDS, RUNTIME_EXTRAS, choose_backend


def set_torch_threads(threads: int | None) -> None:
    """Fix PyTorch's intra-op thread count (process-wide); None keeps PyTorch's default (all cores)."""
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}.")
        torch.set_num_threads(threads)


def load_predictor(
    card: ModelCard,
    backend: str | None = None,
    input_size: tuple[int, int] | None = None,
    threads: int | None = None,
    device: str | torch.device = "cpu",
    fold_bn: bool = True,
    eval: EvalConfig | None = None,
    fast_labels: bool = False,
) -> Predictor:
    """A ``Predictor`` for the model ``card`` describes.

    ``backend``: a name from ``BACKENDS``; None picks the file's runtime (``torch-channels-last`` for a
    checkpoint or a card built from a config, whose weights are then the random initialisation).
    ``input_size`` (H, W): the size the network runs at (None = each image's own; a fixed-size export uses
    its own). ``threads`` fixes the intra-op thread count (PyTorch's is process-wide). ``fold_bn=False`` runs
    the exact trained network (evaluation). ``eval`` defaults to the card's config's, else whole-image,
    single-scale inference. ``fast_labels``: label maps from the decoder's stride-8 logits
    (``seg.inference.labelmap``).
    """
    backend = choose_backend(backend, card.path if card.runtime != "torch" else None, card.runtime)
    chosen = BACKENDS[backend]
    if input_size is not None:
        input_size = (int(input_size[0]), int(input_size[1]))
    if eval is None and card.config is not None:
        eval = card.config.eval
    set_torch_threads(threads)  # pre- and postprocessing run on PyTorch for every backend
    if chosen.runtime != "torch":
        if torch.device(device).type != "cpu":
            raise ConfigError(f"The {chosen.runtime} backend runs on the CPU here; got device={device!r}.")
        runner = file_runner(chosen.runtime, card.path, threads, bf16=chosen.bf16)
        runner.check(card.num_classes, input_size)
        # A fixed-size export runs at its own size: the Predictor resizes each image to it.
        return Predictor(runner, card, input_size or runner.static_size(), eval, backend, fast_labels)
    if card.config is None:
        raise ConfigError(
            f"{card.path} stores no config to build its network from; pass the config it was trained with."
        )
    model = build_model(card.config.model)
    if card.state_dict is not None:
        load_state(model, card.state_dict, card.path or "<state dict>", card.config)
    if fold_bn:
        model = fold_batchnorm(model)
    if fast_labels:
        # The network stops at the decoder's logits (stride 8) and seg.inference.labelmap takes the label map from
        # them: never C x H x W floats at full resolution.
        model = LowResolutionLogits(model)
    runner = TorchRunner(model, channels_last=chosen.channels_last, compile=chosen.compile, device=device)
    if fold_bn:
        runner.description += ", BN folded"
    return Predictor(runner, card, input_size, eval, backend, fast_labels)


def file_runner(runtime: str, path: str | Path | None, threads: int | None, bf16: bool = False) -> Runner:
    """The runner of an exported file on ``runtime`` (``bf16``: OpenVINO's float precision); a runtime from an
    extra that is not installed names its extra."""
    if path is None or not Path(path).is_file():
        raise FileNotFoundError(2, f"{runtime} model does not exist (export one with tools/export.py)", str(path))
    try:
        if runtime == "onnxruntime":
            from seg.runtimes.onnxruntime import OnnxRunner as runner_class
        elif runtime == "litert":
            from seg.runtimes.litert import LiteRTRunner as runner_class
        elif runtime == "openvino":
            import openvino  # noqa: F401 - the extra; seg.runtimes.openvino imports it lazily

            from seg.runtimes.openvino import OpenVINORunner

            return OpenVINORunner(path, threads, "bf16" if bf16 else "fp32")
        else:
            from seg.runtimes.executorch import ExecuTorchRunner as runner_class
    except ImportError as error:
        raise ConfigError(
            f"{path} runs on {runtime}, which is not installed ({error}); install it with "
            f'pip install -e ".[{RUNTIME_EXTRAS[runtime]}]" (docs/deployment.md).'
        ) from None
    return runner_class(path, threads)
