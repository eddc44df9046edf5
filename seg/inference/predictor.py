"""One inference path for every tool: uint8 RGB images in, label maps or class probabilities out.

``Predictor`` = preprocess (resize to the runner's input size if it has one, then the one normaliser,
``seg.data.normalize``) -> ``infer`` (the network alone, on a *runner*) -> the evaluation modes of
``EvalConfig`` (whole image or sliding window, flip, multi-scale; ``seg.inference.modes``) -> resize
to the image and argmax or softmax. Evaluation (``tools/test.py``, validation during training), the
deploy tools (infer, export checks, INT8 agreement, benchmarks) and the video demo all call it, so
two numbers differ only when the runners do.

A runner maps a normalised float32 batch [N, 3, h, w] to logits [N, C, h', w'] and nothing else:
``TorchRunner`` here for an ``nn.Module``; the exported-file runners live in ``seg.runtimes``, whose
``load_predictor`` builds a predictor from a model file's ``ModelCard`` (``seg.inference.card``).

Every resize (to a fixed input size, per scale, back to the image) follows the one rule of
``seg.inference.resize``: bilinear with the model's ``align_corners``; numpy and tensor input take one route.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import torch
from torch import Tensor, nn

from seg.config import Config, EvalConfig
from seg.data.normalize import Normalizer
from seg.inference.card import ModelCard
from seg.inference.labelmap import label_map
from seg.inference.modes import describe_inference, predict_probabilities
from seg.inference.resize import check_label_count, resize, to_uint8


class Runner(Protocol):
    """What the Predictor needs of a backend: the network as a function of a normalised batch."""

    description: str

    def __call__(self, batch: Tensor) -> Tensor: ...

    def synchronize(self) -> None: ...

    def static_size(self) -> tuple[int, int] | None: ...

    def check(self, num_classes: int, input_size: tuple[int, int] | None) -> None:
        """Fail with the fix when this runner cannot serve ``num_classes`` at ``input_size``."""
        ...


class TorchRunner:
    """An ``nn.Module`` in eval mode under ``torch.inference_mode``, optionally channels-last or compiled.

    The module is used as it is (no copy): BatchNorm folding for speed is done by whoever builds the
    runner for deployment (``seg.runtimes.factory``), so evaluation runs the exact trained network.
    """

    def __init__(
        self, model: nn.Module, channels_last: bool = False, compile: bool = False, device: str | torch.device = "cpu"
    ) -> None:
        self.device = torch.device(device)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        model = model.eval().to(self.device, memory_format=self.memory_format)
        # torch.compile traces lazily, on the first call (a benchmark's warm-up absorbs it).
        self.model = torch.compile(model) if compile else model
        self.description = (
            "torch eager" + (", channels-last" if channels_last else "") + (", torch.compile" if compile else "")
        )

    def __call__(self, batch: Tensor) -> Tensor:
        with torch.inference_mode():
            return self.model(batch.to(self.device).contiguous(memory_format=self.memory_format)).float()

    def synchronize(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def static_size(self) -> tuple[int, int] | None:
        return None

    def check(self, num_classes: int, input_size: tuple[int, int] | None) -> None:
        """The network is built from the config, so it serves any class count and size."""


class Predictor:
    """Segment RGB uint8 images with one runner; ``eval`` says how (whole / slide, flip, scales)."""

    def __init__(
        self,
        runner: Runner,
        card: ModelCard,
        input_size: tuple[int, int] | None = None,
        eval: EvalConfig | None = None,
        backend: str = "torch",
        fast_labels: bool = False,
    ) -> None:
        """``card``: the model's class count, classes, statistics and resize rule; ``input_size`` (H, W): the size
        the network runs at (None: each image's own); ``fast_labels``: label maps from smaller logits through
        ``seg.inference.labelmap.label_map`` (equal to the exact bilinear argmax but for float ties, without
        full-resolution float logits): tools/infer.py and the video demo turn it on, evaluation keeps the exact path.
        """
        self.runner = runner
        self.card = card
        self.num_classes = card.num_classes
        self.classes = card.classes  # names and colours of the outputs, for legends and reports
        self.align_corners = card.align_corners
        self.normalize = Normalizer(card.mean, card.std)
        self.input_size = None if input_size is None else (int(input_size[0]), int(input_size[1]))
        self.eval = eval or EvalConfig()
        describe_inference(self.eval)  # validates the modes before any image
        self.backend = backend
        self.fast_labels = fast_labels
        self.device = getattr(runner, "device", torch.device("cpu"))

    @classmethod
    def for_model(
        cls, model: nn.Module, config: Config, channels_last: bool = False, device: str | torch.device = "cpu"
    ) -> Predictor:
        """The exact network ``model`` with ``config``'s statistics and evaluation modes (validation)."""
        runner = TorchRunner(model, channels_last=channels_last, device=device)
        return cls(runner, ModelCard.from_config(config), eval=config.eval)

    def describe(self) -> str:
        size = f"{self.input_size[0]}x{self.input_size[1]}" if self.input_size else "image size"
        return f"{self.runner.description}; input {size}; {describe_inference(self.eval)}"

    # ------------------------------------------------------------------ stages (video pipeline, benchmarks)

    def preprocess(self, images: np.ndarray | Tensor) -> Tensor:
        """uint8 RGB [N, H, W, 3] / [H, W, 3] arrays or [N, 3, H, W] tensors -> normalised float32 [N, 3, h, w]:
        normalised, then resized to the runner's input size (if it has one) by the one resize rule."""
        if isinstance(images, np.ndarray):
            images = self._as_tensor(images)
        if images.ndim != 4 or images.shape[1] != 3 or images.dtype != torch.uint8:
            raise ValueError(
                f"Predictor expects uint8 RGB tensors [N, 3, H, W]; got {images.dtype} {tuple(images.shape)}."
            )
        batch = self.normalize(images.to(self.device))
        if self.input_size is not None:
            batch = resize(batch, self.input_size, self.align_corners)
        return batch

    def infer(self, batch: Tensor) -> Tensor:
        """Normalised float32 [N, 3, h, w] -> logits [N, C, h', w']: the network alone (what benchmarks time)."""
        return self.runner(batch)

    def postprocess(
        self, logits: Tensor | np.ndarray, size: tuple[int, int], probabilities: bool = False
    ) -> np.ndarray:
        """Logits [N, C, h, w] -> uint8 labels [N, H, W] at ``size`` (or float32 softmax [N, C, H, W])."""
        with torch.inference_mode():
            scores = torch.as_tensor(logits).float()
            if not probabilities and self._fast(scores, size):
                return label_map(scores.cpu().numpy(), tuple(size), self.align_corners)
            # Resize the logits, not the labels: bilinear scores give smooth boundaries.
            scores = resize(scores, size, self.align_corners)
            if probabilities:
                return scores.softmax(dim=1).cpu().numpy()
            return self._to_uint8(scores.max(dim=1).indices)

    # ------------------------------------------------------------------ whole path

    def predict(self, images: np.ndarray) -> np.ndarray:
        """uint8 label maps [N, H, W] (or [H, W] for one image) at the images' own size."""
        single = np.asarray(images).ndim == 3
        labels = self._to_uint8(self.labels(self._as_tensor(images)))
        return labels[0] if single else labels

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Softmax probabilities [N, C, H, W] (or [C, H, W] for one image) at the images' own size."""
        single = np.asarray(images).ndim == 3
        probs = self.probabilities(self._as_tensor(images)).cpu().numpy()
        return probs[0] if single else probs

    def probabilities(self, images: Tensor) -> Tensor:
        """uint8 [N, 3, H, W] -> softmax probabilities [N, C, H, W], averaged over ``eval``'s passes."""
        if self._single_pass():
            return self._logits_at(images).softmax(dim=1)
        probs = predict_probabilities(
            self.infer, self.preprocess(images), self.eval, self.num_classes, self.align_corners
        )
        return resize(probs, images.shape[-2:], self.align_corners)  # a fixed-size runner: back to the image

    def labels(self, images: Tensor) -> Tensor:
        """uint8 [N, 3, H, W] -> int64 train ids [N, H, W] on the predictor's device."""
        if self._single_pass() and self.fast_labels:
            logits = self.infer(self.preprocess(images))
            self._check_logits(logits)
            if self._fast(logits, images.shape[-2:]):
                labels = label_map(logits.float().cpu().numpy(), tuple(images.shape[-2:]), self.align_corners)
                return torch.from_numpy(labels).long().to(self.device)
            return self._resized(logits, images.shape[-2:]).max(dim=1).indices
        if self._single_pass():
            # One pass: the argmax of the resized logits equals that of their softmax; skip the softmax.
            return self._logits_at(images).max(dim=1).indices
        return self.probabilities(images).argmax(dim=1)

    def _logits_at(self, images: Tensor) -> Tensor:
        """One whole-image pass: logits resized (bilinearly, as scores) to the images' own size."""
        logits = self.infer(self.preprocess(images))
        self._check_logits(logits)
        return self._resized(logits, images.shape[-2:])

    def _resized(self, logits: Tensor, size: Sequence[int]) -> Tensor:
        return resize(logits, size, self.align_corners)

    def _fast(self, scores: Tensor, size: Sequence[int]) -> bool:
        """Whether to take the label map from ``scores`` by label_map: asked for, and they are smaller."""
        return self.fast_labels and scores.shape[-2] < size[0] and scores.shape[-1] < size[1]

    # ------------------------------------------------------------------ helpers

    def _single_pass(self) -> bool:
        whole = self.eval.mode == "whole" and self.eval.pad_to is None
        return whole and not self.eval.flip and tuple(self.eval.scales) == (1.0,)

    def _check_logits(self, logits: Tensor) -> None:
        if logits.ndim != 4 or logits.shape[1] != self.num_classes:
            raise ValueError(
                f"The model returned logits of shape {tuple(logits.shape)} but {self.num_classes} classes were "
                "expected ([N, num_classes, H, W]); use the config the model was trained or exported with."
            )

    def _as_tensor(self, images: np.ndarray) -> Tensor:
        images = self._check_array(np.asarray(images))
        return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)

    @staticmethod
    def _check_array(images: np.ndarray) -> np.ndarray:
        if images.ndim == 3:
            images = images[None]
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise ValueError(
                f"Predictor expects uint8 RGB images [N, H, W, 3] or [H, W, 3]; got {images.dtype} {images.shape}."
            )
        return images

    def _to_uint8(self, labels: Tensor) -> np.ndarray:
        check_label_count(self.num_classes)
        return to_uint8(labels)
