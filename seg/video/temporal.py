"""Temporal stabilisation of per-frame predictions, and the flicker metric that shows its effect.

A per-frame segmenter decides every frame afresh, so pixels near a class boundary (or in a
region the model is unsure about) switch labels from frame to frame even when the scene hardly
moves. An exponential moving average of the class probabilities damps that:

    p_t = alpha * p_{t-1} + (1 - alpha) * q_t

where ``q_t`` is the softmax of frame t and ``p_t`` what is shown (``p_0 = q_0``). ``alpha = 0``
is off; larger alpha is steadier but lags behind motion by about ``alpha / (1 - alpha)`` frames.
"""

from __future__ import annotations

import numpy as np


class ProbabilityEMA:
    """Exponential moving average of class probabilities [C, H, W] across consecutive frames."""

    def __init__(self, alpha: float) -> None:
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"The smoothing factor alpha must be in [0, 1) (0 = off); got {alpha}.")
        self.alpha = alpha
        self._state: np.ndarray | None = None

    def reset(self) -> None:
        self._state = None

    def __call__(self, probabilities: np.ndarray) -> np.ndarray:
        """Fold in one frame's probabilities and return the smoothed ones (a buffer reused next call)."""
        if self.alpha == 0.0:
            return probabilities
        if self._state is None or self._state.shape != probabilities.shape:
            # First frame, or the frame size changed: there is no history to average with.
            self._state = np.array(probabilities, dtype=np.float32, copy=True)
            return self._state
        # In place: at 768x576 with 19 classes the state is 34 MB, too big to reallocate per frame.
        self._state *= self.alpha
        self._state += (1.0 - self.alpha) * probabilities
        return self._state


class FlickerMeter:
    """Mean fraction of pixels whose label changes between consecutive frames.

    It mixes true motion with instability, so it is meaningful to compare runs on the same video
    (smoothing on vs off), not as an absolute quality number.
    """

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self._total = 0.0
        self.pairs = 0

    def update(self, labels: np.ndarray) -> float | None:
        """Add one frame's label map [H, W]; return its change fraction to the previous frame."""
        change = None
        if self._previous is not None and self._previous.shape == labels.shape:
            change = float(np.count_nonzero(labels != self._previous)) / labels.size
            self._total += change
            self.pairs += 1
        self._previous = labels.copy()
        return change

    @property
    def value(self) -> float | None:
        """The average change fraction, or None before two frames were seen."""
        return self._total / self.pairs if self.pairs else None
