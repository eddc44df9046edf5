"""The hard sigmoid, in the two readings ``model.hard_sigmoid`` selects.

MobileNetV3's squeeze-and-excite gate and LR-ASPP's q_sigmoid gate are ``relu6(x + 3) / 6`` (Sec. 5.2,
torchvision's ``nn.Hardsigmoid``: "exact"). The authors' TensorFlow code multiplies by the literal 0.16667
instead (research/slim/nets/mobilenet/mobilenet_v3.py ``squeeze_excite`` gating_fn, research/deeplab/core/utils.py
``q_sigmoid``: "rounded"). The two differ by 2e-6 relative; through the network that is up to 8e-5 on the
logits of the released checkpoints (tests/models/test_tf_import.py), so running the authors' weights exactly
needs their constant.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seg.config import HARD_SIGMOIDS


class RoundedHardsigmoid(nn.Module):
    """``relu6(x + 3) * 0.16667``: the authors' hard sigmoid, constant as written in their code."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(x + 3.0) * 0.16667


def hard_sigmoid_layer(kind: str) -> type[nn.Module]:
    """The module class for ``model.hard_sigmoid``: ``nn.Hardsigmoid`` ("exact") or :class:`RoundedHardsigmoid`."""
    if kind not in HARD_SIGMOIDS:
        raise ValueError(f"model.hard_sigmoid={kind!r} is not supported; use one of {HARD_SIGMOIDS}.")
    return RoundedHardsigmoid if kind == "rounded" else nn.Hardsigmoid
