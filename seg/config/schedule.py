"""Schedule values that follow from the run's length: the validation interval and the warmup.

A config states how many validations a run has (``trainer.validations``) and how large a share of it the
warmup may take (``optim.warmup_max_fraction``), so changing ``trainer.max_steps`` alone keeps both in
proportion. Derived here, where they are used (the Trainer, the learning-rate schedule, the rules), rather
than written into the config: a run's ``config.py`` keeps the rule, and a resume with another ``max_steps``
follows it.
"""

from __future__ import annotations

import math

from seg.config.schema import OptimConfig, TrainerConfig


def val_interval(trainer: TrainerConfig) -> int:
    """Steps between validations: ``trainer.val_every_n_steps``, or when 0 the divisor of ``max_steps`` nearest
    to ``max_steps / validations`` (within a factor of two); ``max_steps`` (one validation, at the end) if none is.

    A divisor, because Lightning validates at multiples of the interval and the final weights must be validated.
    """
    if trainer.val_every_n_steps > 0:
        return trainer.val_every_n_steps
    steps = max(trainer.max_steps, 1)
    target = steps / max(trainer.validations, 1)
    near = [d for d in _divisors(steps) if target / 2 <= d <= target * 2]
    return min(near, key=lambda d: (abs(math.log(d / target)), d)) if near else steps


def _divisors(n: int) -> list[int]:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def effective_warmup_steps(optim: OptimConfig, max_steps: int) -> int:
    """``optim.warmup_steps``, at most ``optim.warmup_max_fraction`` of ``max_steps``."""
    return min(optim.warmup_steps, int(optim.warmup_max_fraction * max_steps))


__all__ = ["effective_warmup_steps", "val_interval"]
