"""One inference path for every tool: RGB uint8 images in, label maps or class probabilities out.

``Predictor`` = preprocess (resize to the model's input size, normalise with the config's mean/std)
-> ``infer`` (the model alone, on eager PyTorch or ONNX Runtime) -> postprocess (bilinear resize of
the logits to the image size, then argmax or softmax). Pre- and postprocessing are the same NumPy /
PyTorch code on both backends, so the backends differ only in how they run the network.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..config import Config
from ..models import build_model, load_weights
from .runtime import OnnxRunner, TorchRunner, set_torch_threads

BACKENDS = ("torch", "onnxruntime")


class Predictor:
    """Segment RGB images with one model on one backend. Build it with :meth:`from_config`."""

    def __init__(
        self,
        runner: TorchRunner | OnnxRunner,
        num_classes: int,
        mean: tuple[float, float, float],
        std: tuple[float, float, float],
        input_size: tuple[int, int] | None,
        backend: str,
    ) -> None:
        self.runner = runner
        self.num_classes = num_classes
        self.input_size = input_size
        self.backend = backend
        # Config statistics are fractions of 1 (ImageNet's); images arrive as 0..255.
        self._scale = (1.0 / (255.0 * np.asarray(std, dtype=np.float32))).reshape(1, 1, 1, 3)
        self._offset = (np.asarray(mean, dtype=np.float32) / np.asarray(std, dtype=np.float32)).reshape(1, 1, 1, 3)

    @classmethod
    def from_config(
        cls,
        config: Config,
        weights: str | Path | None = None,
        backend: str = "torch",
        input_size: tuple[int, int] | None = None,
        threads: int | None = None,
        channels_last: bool = True,
        fold_bn: bool = True,
        compile: bool = False,
        device: str = "cpu",
    ) -> Predictor:
        """Build the model ``config`` describes on ``backend``.

        ``weights``: a Lightning .ckpt or state dict (torch; None = random initialisation) or an .onnx
        file (fp32 or INT8; implies ``backend="onnxruntime"``). ``input_size`` (H, W) is the size the
        model runs at (None = each image's own size; an ONNX model exported with a fixed size uses that).
        ``threads`` fixes the intra-op thread count (PyTorch's is process-wide).
        """
        if weights is not None and Path(weights).suffix == ".onnx":
            backend = "onnxruntime"
        if backend not in BACKENDS:
            raise ValueError(f"Unknown backend {backend!r}; use one of {BACKENDS}.")
        if input_size is not None:
            input_size = (int(input_size[0]), int(input_size[1]))
        set_torch_threads(threads)  # postprocessing runs on PyTorch for both backends
        num_classes = config.model.num_classes
        if backend == "onnxruntime":
            if weights is None or Path(weights).suffix != ".onnx":
                raise ValueError(
                    f"backend='onnxruntime' needs weights=PATH.onnx, got {weights!r}. "
                    "Export one with tools/export_onnx.py CONFIG [CHECKPOINT] --output PATH.onnx."
                )
            if device != "cpu":
                raise ValueError(f"The onnxruntime backend runs on the CPU here; got device={device!r}.")
            runner: TorchRunner | OnnxRunner = OnnxRunner(weights, threads)
            if runner.outputs_labels:
                raise ValueError(
                    f"{weights} outputs label maps (exported with --labels); the Predictor needs logits. "
                    "Re-export without --labels."
                )
            static = runner.static_size()
            if static is not None and input_size is not None and input_size != static:
                raise ValueError(
                    f"{weights} was exported for a fixed input size {static[0]}x{static[1]} but input_size="
                    f"{input_size[0]}x{input_size[1]} was asked for. Re-export with --dynamic or --input-size."
                )
            input_size = input_size or static
            classes = runner.session.get_outputs()[0].shape[1]
            if isinstance(classes, int) and classes != num_classes:
                raise ValueError(
                    f"{weights} predicts {classes} classes but the config has model.num_classes={num_classes}; "
                    "use the config the model was exported from."
                )
        else:
            model = build_model(config.model)
            if weights is not None:
                load_weights(model, weights)
            runner = TorchRunner(model, channels_last=channels_last, fold_bn=fold_bn, compile=compile, device=device)
        return cls(runner, num_classes, config.data.mean, config.data.std, input_size, backend)

    def describe(self) -> str:
        size = f"{self.input_size[0]}x{self.input_size[1]}" if self.input_size else "image size"
        return f"{self.runner.description}; input {size}"

    def preprocess(self, images: np.ndarray) -> np.ndarray:
        """[N, H, W, 3] or [H, W, 3] uint8 RGB -> float32 [N, 3, h, w], resized to ``input_size`` and normalised."""
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[None]
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise ValueError(
                f"Predictor expects uint8 RGB images [N, H, W, 3] or [H, W, 3]; got {images.dtype} {images.shape}."
            )
        if self.input_size is not None and images.shape[1:3] != self.input_size:
            height, width = self.input_size
            images = np.stack([cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR) for image in images])
        batch = images.astype(np.float32) * self._scale - self._offset
        return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))

    def infer(self, batch: np.ndarray) -> np.ndarray:
        """float32 [N, 3, h, w] -> logits float32 [N, C, h, w]: the model alone (what benchmarks time)."""
        return self.runner(batch)

    def postprocess(self, logits: np.ndarray, size: tuple[int, int], probabilities: bool = False) -> np.ndarray:
        """Logits [N, C, h, w] -> uint8 labels [N, H, W] at ``size`` (or float32 softmax [N, C, H, W])."""
        with torch.inference_mode():
            scores = torch.from_numpy(np.ascontiguousarray(logits, dtype=np.float32))
            if tuple(scores.shape[-2:]) != tuple(size):
                # Resize the logits, not the labels: bilinear scores give smooth boundaries.
                scores = F.interpolate(scores, size=tuple(size), mode="bilinear", align_corners=False)
            if probabilities:
                return scores.softmax(dim=1).numpy()
            if self.num_classes > 256:
                raise ValueError(f"uint8 label maps hold 256 classes; this model has {self.num_classes}.")
            # max().indices, not argmax(): the same first-maximum rule, but about 4x faster over the class
            # axis on the CPU (19x576x768 logits, 1 thread: 40 ms vs 175 ms), the video demo's bottleneck.
            return scores.max(dim=1).indices.to(torch.uint8).numpy()

    def predict(self, images: np.ndarray) -> np.ndarray:
        """uint8 label maps [N, H, W] (or [H, W] for one image) at the images' own size."""
        return self._run(images, probabilities=False)

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Softmax probabilities [N, C, H, W] (or [C, H, W] for one image) at the images' own size."""
        return self._run(images, probabilities=True)

    def _run(self, images: np.ndarray, probabilities: bool) -> np.ndarray:
        images = np.asarray(images)
        single = images.ndim == 3
        batch = self.preprocess(images)
        size = images.shape[-3:-1]
        out = self.postprocess(self.infer(batch), size, probabilities=probabilities)
        return out[0] if single else out
