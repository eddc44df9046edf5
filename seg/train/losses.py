"""Training loss: pixel-wise cross-entropy over non-ignored pixels, optional class weights and OHEM.

Written here rather than taken from ``torch.nn.CrossEntropyLoss`` alone because two cases matter in
segmentation that its ``reduction="mean"`` gets wrong: a crop whose pixels are all ``ignore_index``
(it returns NaN, 0/0, which would stop training as a diverged loss) and online hard example mining,
which keeps only some pixels. Both are a few lines over ``reduction="none"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seg.config import LossConfig, validate_loss
from seg.errors import Failure


class NonFiniteLossError(Failure):
    """The training loss became NaN or infinite; the message gives the step and what to try."""


class SegmentationLoss(nn.Module):
    """Cross-entropy averaged over the kept, non-ignored pixels of the whole batch.

    ``class_weights`` (one per class) make it a weighted mean: sum(w[y] * ce) / sum(w[y]), the
    definition ``torch.nn.CrossEntropyLoss`` uses. With ``ohem`` only hard pixels count: those whose
    probability of the true class is below ``ohem_threshold``, and at least the ``ohem_min_kept``
    hardest ones (all valid pixels if there are fewer), as in PSPNet-style OHEM. The loss is computed
    in float32 whatever the logits' dtype, so mixed precision does not round it.
    """

    def __init__(
        self,
        num_classes: int,
        ignore_index: int = 255,
        class_weights: Sequence[float] | None = None,
        ohem: bool = False,
        ohem_threshold: float = 0.7,
        ohem_min_kept: int = 100_000,
    ) -> None:
        super().__init__()
        # The same rules as the config's loss section (one definition, seg.config.validate_loss).
        validate_loss(LossConfig(tuple(class_weights) if class_weights is not None else None, ohem, ohem_threshold,
                                 ohem_min_kept), num_classes)  # fmt: skip
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.ohem = ohem
        self.ohem_threshold = ohem_threshold
        self.ohem_min_kept = ohem_min_kept
        weights = None if class_weights is None else torch.tensor(list(class_weights), dtype=torch.float32)
        self.register_buffer("class_weights", weights, persistent=False)

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        logits = logits.float()
        target = target.long()
        if logits.shape[-2:] != target.shape[-2:]:
            raise ValueError(
                f"SegmentationLoss: logits {tuple(logits.shape)} and labels {tuple(target.shape)} differ in size."
            )
        valid = target != self.ignore_index
        pixel_loss = F.cross_entropy(logits, target, ignore_index=self.ignore_index, reduction="none")
        keep = self._hard_pixels(logits, target, valid) if self.ohem else valid
        if self.class_weights is not None:
            weight = self.class_weights[target.clamp(0, self.num_classes - 1)] * keep
        else:
            weight = keep.float()
        # A batch with no kept pixel gives 0 (with a graph, so backward still runs), not 0/0.
        return (pixel_loss * weight).sum() / weight.sum().clamp(min=1e-12)

    @torch.no_grad()
    def _hard_pixels(self, logits: Tensor, target: Tensor, valid: Tensor) -> Tensor:
        """Valid pixels whose true-class probability is at most the OHEM threshold (raised to keep min_kept)."""
        num_valid = int(valid.sum())
        if num_valid == 0:
            return valid
        probs = logits.softmax(dim=1).gather(1, target.clamp(0, self.num_classes - 1).unsqueeze(1)).squeeze(1)
        valid_probs = probs[valid]
        threshold = self.ohem_threshold
        if self.ohem_min_kept > 0:
            kth = min(self.ohem_min_kept, num_valid)
            # The kth smallest true-class probability: raising the threshold to it keeps >= min_kept pixels.
            threshold = max(threshold, float(valid_probs.kthvalue(kth).values))
        return valid & (probs <= threshold)
