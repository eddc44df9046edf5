"""Typed experiment configs.

A config file is plain Python that defines ``config``, a :class:`Config` tree of
frozen dataclasses. A variant imports its base (the config's own folder is on
``sys.path`` while it loads) and replaces fields with :func:`dataclasses.replace`;
there is no string inheritance and no dict merging, so a misspelled field is a
``TypeError`` at load time instead of a silently dead key.

``load_config(path, overrides)`` applies ``section.field=value`` overrides with
type checking; an unknown key fails with a message listing the valid ones.

The package: ``schema`` (the dataclasses and the values each choice field accepts), ``load`` (reading,
overrides, dict round trips, printing) and ``rules`` (every validator). Import from ``seg.config``.
"""

from seg.config.load import apply_overrides, config_from_dict, config_to_dict, format_config, load_config, parse_value
from seg.config.rules import (
    validate_classes,
    validate_config,
    validate_data,
    validate_eval,
    validate_loss,
    validate_model,
    validate_optim,
    validate_trainer,
)
from seg.config.schedule import effective_warmup_steps, val_interval
from seg.config.schema import (
    DILATION_STARTS,
    EVAL_MODES,
    GATE_ACTIVATIONS,
    HARD_SIGMOIDS,
    LOW_LEVEL_TAPS,
    OPTIMIZERS,
    OUTPUT_STRIDES,
    PADDINGS,
    POOLS,
    PRECISIONS,
    TAIL_EXPANSIONS,
    AugmentConfig,
    Config,
    ConfigError,
    DataConfig,
    EvalConfig,
    LossConfig,
    ModelConfig,
    OptimConfig,
    TrainerConfig,
)

__all__ = [
    "effective_warmup_steps",
    "val_interval",
    "DILATION_STARTS",
    "EVAL_MODES",
    "GATE_ACTIVATIONS",
    "HARD_SIGMOIDS",
    "LOW_LEVEL_TAPS",
    "OPTIMIZERS",
    "OUTPUT_STRIDES",
    "PADDINGS",
    "POOLS",
    "PRECISIONS",
    "TAIL_EXPANSIONS",
    "AugmentConfig",
    "Config",
    "ConfigError",
    "DataConfig",
    "EvalConfig",
    "LossConfig",
    "ModelConfig",
    "OptimConfig",
    "TrainerConfig",
    "apply_overrides",
    "config_from_dict",
    "config_to_dict",
    "format_config",
    "load_config",
    "parse_value",
    "validate_classes",
    "validate_config",
    "validate_data",
    "validate_eval",
    "validate_loss",
    "validate_model",
    "validate_optim",
    "validate_trainer",
]
