"""Evaluation-time inference modes: whole image or sliding window, optional flip and multi-scale.

Every mode returns softmax probabilities at the input size, so modes combine by averaging
probabilities: each (scale, flip) pass is one vote. ``describe_inference`` gives the one-line
description that must be reported next to every number, because the same checkpoint scores
differently under different modes.

``model`` is any callable mapping a normalised float [N, 3, H, W] batch to logits
[N, C, h, w] (a ``Segmentor``, a compiled module, an ONNX runtime wrapper). Every resize (the input per
scale, logits not at the input size, probabilities back to it) follows ``seg.inference.resize.resize`` with
the model's ``align_corners``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seg.config import EvalConfig, validate_eval
from seg.inference.resize import resize


def describe_inference(eval: EvalConfig) -> str:
    """E.g. "whole image, single scale" or "slide 769x769 stride 513x513, flip, scales 0.75,1.0,1.25".

    Sizes are height x width.
    """
    validate_eval(eval)
    if eval.mode == "slide":
        assert eval.crop_size is not None and eval.stride is not None
        parts = [f"slide {eval.crop_size[0]}x{eval.crop_size[1]} stride {eval.stride[0]}x{eval.stride[1]}"]
    else:
        parts = ["whole image" + (f" padded to {eval.pad_to[0]}x{eval.pad_to[1]}" if eval.pad_to else "")]
    if eval.flip:
        parts.append("flip")
    if tuple(eval.scales) == (1.0,):
        parts.append("single scale")
    elif len(eval.scales) == 1:
        parts.append(f"scale {float(eval.scales[0])}")
    else:
        parts.append("scales " + ",".join(str(float(scale)) for scale in eval.scales))
    return ", ".join(parts)


@torch.no_grad()
def predict_probabilities(
    model: Callable[[Tensor], Tensor], images: Tensor, eval: EvalConfig, num_classes: int, align_corners: bool
) -> Tensor:
    """Softmax probabilities [N, num_classes, H, W] for normalised ``images`` [N, 3, H, W].

    Averages over ``eval.scales`` x (identity, horizontal flip if ``eval.flip``); each pass runs
    whole-image or sliding-window inference at that scale and is resized back to H x W.
    Put a ``nn.Module`` in eval mode first (batch-norm statistics would otherwise come from the batch).
    """
    validate_eval(eval)
    if isinstance(model, nn.Module) and model.training:
        raise ValueError("predict_probabilities: the model is in training mode; call model.eval() first.")
    if images.ndim != 4:
        raise ValueError(f"predict_probabilities: expected images [N, 3, H, W], got shape {tuple(images.shape)}.")
    height, width = images.shape[-2:]
    total = images.new_zeros((images.shape[0], num_classes, height, width), dtype=torch.float32)
    passes = 0
    for scale in eval.scales:
        if scale == 1.0:
            scaled = images
        else:
            size = (max(1, round(height * scale)), max(1, round(width * scale)))
            scaled = resize(images, size, align_corners)
        flips = (False, True) if eval.flip else (False,)
        for flip in flips:
            batch = scaled.flip(-1) if flip else scaled
            probs = _probabilities_at_scale(model, batch, eval, num_classes, align_corners)
            if flip:
                probs = probs.flip(-1)
            total += resize(probs, (height, width), align_corners)
            passes += 1
    return total / passes


def _probabilities_at_scale(
    model: Callable[[Tensor], Tensor], images: Tensor, eval: EvalConfig, num_classes: int, align_corners: bool
) -> Tensor:
    if eval.mode == "whole":
        if eval.pad_to is not None:
            return _padded_softmax(model, images, eval.pad_to, num_classes, align_corners)
        return _softmax(model, images, num_classes, align_corners)
    assert eval.crop_size is not None and eval.stride is not None
    return _slide(model, images, eval.crop_size, eval.stride, num_classes, align_corners)


def _softmax(model: Callable[[Tensor], Tensor], images: Tensor, num_classes: int, align_corners: bool) -> Tensor:
    logits = model(images)
    if logits.ndim != 4 or logits.shape[1] != num_classes:
        raise ValueError(
            f"The model returned logits of shape {tuple(logits.shape)} but evaluation expects {num_classes} classes "
            "([N, num_classes, H, W]); check model.num_classes against data.num_classes."
        )
    return resize(logits.float(), images.shape[-2:], align_corners).softmax(dim=1)


def _padded_softmax(
    model: Callable[[Tensor], Tensor], images: Tensor, pad_to: tuple[int, int], num_classes: int, align_corners: bool
) -> Tensor:
    """Softmax of the image padded at the bottom and right to at least ``pad_to`` with zeros (the normalised mean
    pixel, as the authors pad with their mean pixel before [-1, 1] scaling), cropped back to the image."""
    height, width = images.shape[-2:]
    padded = F.pad(images, (0, max(pad_to[1] - width, 0), 0, max(pad_to[0] - height, 0)), value=0.0)
    return _softmax(model, padded, num_classes, align_corners)[..., :height, :width]


def _window_starts(length: int, crop: int, stride: int) -> list[int]:
    """Window offsets along one axis: every ``stride``, the last one flush with the far border."""
    count = max(math.ceil((length - crop) / stride), 0) + 1
    return [min(i * stride, length - crop) for i in range(count)]


def _slide(
    model: Callable[[Tensor], Tensor],
    images: Tensor,
    crop_size: tuple[int, int],
    stride: tuple[int, int],
    num_classes: int,
    align_corners: bool,
) -> Tensor:
    """Average the softmax of overlapping crops; each pixel is divided by how many crops covered it."""
    height, width = images.shape[-2:]
    crop_h, crop_w = crop_size
    # An image smaller than the crop is padded with zeros (the normalised mean, like the
    # training crops' padding) to the crop size and cropped back afterwards.
    pad_h, pad_w = max(crop_h - height, 0), max(crop_w - width, 0)
    if pad_h or pad_w:
        images = F.pad(images, (0, pad_w, 0, pad_h), value=0.0)
    padded_h, padded_w = images.shape[-2:]
    total = images.new_zeros((images.shape[0], num_classes, padded_h, padded_w), dtype=torch.float32)
    counts = images.new_zeros((1, 1, padded_h, padded_w), dtype=torch.float32)
    for top in _window_starts(padded_h, crop_h, stride[0]):
        for left in _window_starts(padded_w, crop_w, stride[1]):
            window = images[..., top : top + crop_h, left : left + crop_w]
            total[..., top : top + crop_h, left : left + crop_w] += _softmax(model, window, num_classes, align_corners)
            counts[..., top : top + crop_h, left : left + crop_w] += 1
    return (total / counts)[..., :height, :width]
