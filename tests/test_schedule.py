"""Validation interval and warmup derived from the run's length (seg.config.schedule)."""

from pathlib import Path

import pytest

from seg.config import (
    OptimConfig,
    TrainerConfig,
    effective_warmup_steps,
    load_config,
    val_interval,
)

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


@pytest.mark.parametrize(
    ("max_steps", "validations", "interval"),
    [
        (1800, 6, 300),  # the toy recipe
        (3000, 6, 500),  # the folder recipe
        (90_000, 18, 5000),  # Cityscapes
        (150, 6, 25),
        (100, 6, 20),  # no divisor at 16.7: the nearest within a factor of two
        (37, 6, 37),  # a prime: validate once, at the end
        (2, 6, 2),
        (1, 6, 1),
    ],
)
def test_derived_interval_divides_the_run_and_is_near_its_share(max_steps, validations, interval):
    trainer = TrainerConfig(max_steps=max_steps, validations=validations, val_every_n_steps=0)
    assert val_interval(trainer) == interval
    assert max_steps % interval == 0


def test_an_explicit_interval_wins():
    assert val_interval(TrainerConfig(max_steps=1000, val_every_n_steps=250, validations=6)) == 250


def test_warmup_is_capped_by_its_fraction_of_the_run():
    optim = OptimConfig(warmup_steps=50, warmup_max_fraction=0.1)
    assert effective_warmup_steps(optim, 1800) == 50
    assert effective_warmup_steps(optim, 150) == 15
    assert effective_warmup_steps(optim, 37) == 3
    assert effective_warmup_steps(OptimConfig(warmup_steps=50), 1800) == 50  # fraction 1.0: as configured


@pytest.mark.parametrize(
    ("name", "interval", "warmup"),
    [("lraspp_small_toy.py", 300, 50), ("lraspp_large_cityscapes.py", 5000, 0), ("lraspp_large_ade20k.py", 10_000, 0)],
)
def test_shipped_configs_keep_their_schedules(name, interval, warmup):
    config = load_config(CONFIGS / name)
    assert val_interval(config.trainer) == interval
    assert effective_warmup_steps(config.optim, config.trainer.max_steps) == warmup


@pytest.mark.parametrize("steps", [37, 150, 7, 2])
def test_one_override_gives_a_valid_short_run(steps):
    config = load_config(CONFIGS / "lraspp_small_toy.py", [f"trainer.max_steps={steps}"])  # no error
    assert config.trainer.max_steps % val_interval(config.trainer) == 0
    assert effective_warmup_steps(config.optim, steps) < steps
