"""Every rule that one config field or a pair of fields must satisfy lives here, once.

load_config applies them all, and the functions that take a section (the optimizer builder, the inference
modes) call the section's validator, so a hand-built config meets the same messages. Facts that need the
data on disk (the dataset's class count) are checked where the dataset is built.
"""

from __future__ import annotations

import math

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
    Config,
    ConfigError,
    DataConfig,
    EvalConfig,
    LossConfig,
    ModelConfig,
    OptimConfig,
    TrainerConfig,
)


def validate_config(config: Config) -> None:
    """Raise :class:`ConfigError` naming the key, the value and the override that fixes it; every section is
    checked, so one message lists every rule broken (``--set trainer.max_steps=2`` breaks two)."""
    problems = []
    for check in (
        lambda: validate_model(config.model),
        lambda: validate_data(config.data),
        lambda: validate_classes(config.model, config.data),
        lambda: validate_loss(config.loss, config.model.num_classes),
        lambda: validate_trainer(config.trainer),
        lambda: validate_optim(config.optim, config.trainer.max_steps),
        lambda: validate_eval(config.eval),
    ):
        try:
            check()
        except ConfigError as error:
            problems.append(str(error))
    if problems:
        raise ConfigError(" Also: ".join(problems))


def validate_model(model: ModelConfig) -> None:
    if model.num_classes < 1:
        raise ConfigError(
            f"model.num_classes={model.num_classes} must be at least 1 (0, as many as the dataset has, is filled "
            "in by load_config or seg.classes.resolve_classes before a model is built)."
        )
    if model.output_stride not in OUTPUT_STRIDES:
        raise ConfigError(
            f"model.output_stride={model.output_stride} is not supported; use one of {OUTPUT_STRIDES}, "
            "e.g. --set model.output_stride=16."
        )
    if model.width_mult <= 0:
        raise ConfigError(f"model.width_mult={model.width_mult} must be positive, e.g. --set model.width_mult=1.0.")
    if model.head_channels < 1:
        raise ConfigError(
            f"model.head_channels={model.head_channels} must be at least 1, e.g. --set model.head_channels=128 (Table 7)."
        )
    for key, choices in (
        ("dilation_start", DILATION_STARTS),
        ("low_level_tap", LOW_LEVEL_TAPS),
        ("tail_expansion", TAIL_EXPANSIONS),
        ("pool", POOLS),
        ("gate_activation", GATE_ACTIVATIONS),
        ("padding", PADDINGS),
        ("hard_sigmoid", HARD_SIGMOIDS),
    ):
        if getattr(model, key) not in choices:
            raise ConfigError(
                f"model.{key}={getattr(model, key)!r} is not supported; use one of {choices} "
                "(docs/paper_fidelity.md says which reading each is)."
            )


def validate_classes(model: ModelConfig, data: DataConfig) -> None:
    """The class count against the classes a config carries (the folder format's) and the ignore index."""
    if data.class_names and len(data.class_names) != model.num_classes:
        raise ConfigError(
            f"model.num_classes={model.num_classes} but data.class_names has {len(data.class_names)} names; use "
            f"--set model.num_classes={len(data.class_names)} (or model.num_classes=0: as many as the dataset has)."
        )
    if data.ignore_index < model.num_classes:
        raise ConfigError(
            f"data.ignore_index={data.ignore_index} is a class id (model.num_classes={model.num_classes}); the "
            "ignore index must be outside 0..num_classes-1, e.g. --set data.ignore_index=255."
        )


def validate_data(data: DataConfig) -> None:
    if data.batch_size < 1 or data.val_batch_size < 1:
        raise ConfigError(
            f"data.batch_size={data.batch_size} and data.val_batch_size={data.val_batch_size} must be at least 1, "
            f"e.g. --set data.batch_size={max(1, data.batch_size)} data.val_batch_size={max(1, data.val_batch_size)}."
        )
    if data.num_workers < 0:
        raise ConfigError(
            f"data.num_workers={data.num_workers} must be >= 0, e.g. --set data.num_workers=0 (loads in the main process)."
        )
    low, high = data.augment.scale_range
    if not 0 < low <= high:
        raise ConfigError(
            f"data.augment.scale_range={data.augment.scale_range} must be (low, high) with 0 < low <= high, "
            "e.g. --set data.augment.scale_range=(0.5,2.0)."
        )
    if min(data.augment.crop_size) < 1:
        raise ConfigError(
            f"data.augment.crop_size={data.augment.crop_size} must be two positive ints (height, width), e.g. --set data.augment.crop_size=(769,769)."
        )
    if min(data.std) <= 0:
        raise ConfigError(f"data.std={data.std} must be positive, e.g. ImageNet's: --set data.std=(0.229,0.224,0.225).")
    if not 0 <= data.ignore_index <= 255:
        raise ConfigError(
            f"data.ignore_index={data.ignore_index} must fit a uint8 label map (0..255), e.g. --set data.ignore_index=255."
        )
    if data.palette and len(data.palette) != len(data.class_names):
        raise ConfigError(
            f"data.palette has {len(data.palette)} colours for {len(data.class_names)} data.class_names; give one "
            "RGB triple per class, or data.palette=() for the default colours."
        )
    if any(not 0 <= c <= 255 for color in data.palette for c in color):
        raise ConfigError(f"data.palette={data.palette} has a value outside 0..255.")
    if len(set(data.class_names)) != len(data.class_names):
        raise ConfigError(f"data.class_names={data.class_names} repeats a name; class names must be unique.")


def validate_loss(loss: LossConfig, num_classes: int) -> None:
    if loss.class_weights is not None:
        if len(loss.class_weights) != num_classes:
            raise ConfigError(
                f"loss.class_weights has {len(loss.class_weights)} values but there are {num_classes} classes; "
                "give one weight per class (tools/class_weights.py prints them) or none: --set loss.class_weights=None."
            )
        if any(weight < 0 for weight in loss.class_weights):
            raise ConfigError(
                f"loss.class_weights must be non-negative, got {tuple(loss.class_weights)}; tools/class_weights.py prints valid ones, or --set loss.class_weights=None."
            )
    if not 0.0 < loss.ohem_threshold <= 1.0:
        raise ConfigError(
            f"loss.ohem_threshold={loss.ohem_threshold} must be in (0, 1], e.g. --set loss.ohem_threshold=0.7."
        )
    if loss.ohem_min_kept < 0:
        raise ConfigError(
            f"loss.ohem_min_kept={loss.ohem_min_kept} must be >= 0, e.g. --set loss.ohem_min_kept=100000."
        )


def validate_trainer(t: TrainerConfig) -> None:
    if t.max_steps < 1 or t.val_every_n_steps < 0 or t.validations < 1:
        raise ConfigError(
            f"trainer.max_steps={t.max_steps} and trainer.validations={t.validations} must be positive and "
            f"trainer.val_every_n_steps={t.val_every_n_steps} >= 0 (0: every max_steps / validations steps), "
            f"e.g. --set trainer.max_steps={max(t.max_steps, 1)} trainer.validations={max(t.validations, 1)} "
            "trainer.val_every_n_steps=0."
        )
    if t.max_steps % val_interval(t):
        # Lightning validates every N steps but not at max_steps itself; the final weights must be validated
        # (metrics.json, last.ckpt), so the last validation has to fall on the last step.
        raise ConfigError(
            f"trainer.max_steps={t.max_steps} is not a multiple of trainer.val_every_n_steps={t.val_every_n_steps}, so "
            "the final weights would never be validated. Use a divisor, e.g. "
            f"--set trainer.val_every_n_steps={_largest_divisor(t.max_steps, t.val_every_n_steps)}, or "
            "trainer.val_every_n_steps=0 (derived from trainer.validations)."
        )
    for key, value in (("threads", t.threads), ("precise_bn_batches", t.precise_bn_batches)):
        if value < 0:
            raise ConfigError(
                f"trainer.{key}={value} must be >= 0 (0: {_ZERO_MEANS[key]}), e.g. --set trainer.{key}=0."
            )
    if not t.checkpoint_every_minutes >= 0:
        raise ConfigError(
            f"trainer.checkpoint_every_minutes={t.checkpoint_every_minutes} must be >= 0 (0: only at validations), "
            "e.g. --set trainer.checkpoint_every_minutes=30."
        )
    if t.precision not in PRECISIONS:
        raise ConfigError(
            f"trainer.precision={t.precision!r} is not supported; use one of {', '.join(PRECISIONS)}, e.g. --set trainer.precision={closest_choice(t.precision, PRECISIONS)}."
        )
    if t.devices < 1 or t.num_nodes < 1:
        raise ConfigError(
            f"trainer.devices={t.devices} and trainer.num_nodes={t.num_nodes} must be at least 1, e.g. --set trainer.devices=1 trainer.num_nodes=1."
        )


_ZERO_MEANS = {"threads": "chosen from the cores the process may use", "precise_bn_batches": "no re-estimation"}


def closest_choice(value: str, choices: tuple[str, ...]) -> str:
    """The choice most like a misspelt ``value`` (for the suggested override), else the first."""
    import difflib

    return next(iter(difflib.get_close_matches(value, choices, n=1, cutoff=0.0)), choices[0])


def _largest_divisor(total: int, at_most: int) -> int:
    return max(d for d in range(1, min(total, at_most) + 1) if total % d == 0)


def validate_optim(optim: OptimConfig, max_steps: int | None = None) -> None:
    """The optimizer's settings; with ``max_steps`` also the schedule's."""
    if optim.optimizer not in OPTIMIZERS:
        raise ConfigError(
            f"optim.optimizer={optim.optimizer!r} is not supported; use one of {', '.join(OPTIMIZERS)}, e.g. --set optim.optimizer={closest_choice(optim.optimizer, OPTIMIZERS)}."
        )
    if optim.lr <= 0:
        raise ConfigError(f"optim.lr={optim.lr} must be positive, e.g. --set optim.lr=0.01.")
    if max_steps is None:
        return
    if max_steps < 1:
        raise ConfigError(f"trainer.max_steps={max_steps} must be at least 1, e.g. --set trainer.max_steps=1000.")
    if optim.poly_power < 0:
        raise ConfigError(
            f"optim.poly_power={optim.poly_power} must be >= 0, e.g. the paper's protocol: --set optim.poly_power=0.9."
        )
    if not 0.0 < optim.warmup_max_fraction <= 1.0:
        raise ConfigError(
            f"optim.warmup_max_fraction={optim.warmup_max_fraction} must be in (0, 1], e.g. --set "
            "optim.warmup_max_fraction=0.1 (the warmup takes at most a tenth of the run)."
        )
    if not 0 <= effective_warmup_steps(optim, max_steps) < max_steps:
        raise ConfigError(
            f"optim.warmup_steps={optim.warmup_steps} must be in [0, trainer.max_steps={max_steps}); "
            f"e.g. --set optim.warmup_steps={min(max(optim.warmup_steps, 0), max_steps // 10)}, or "
            "optim.warmup_max_fraction=0.1 (at most a tenth of the run)."
        )
    if not 0.0 <= optim.warmup_start_factor <= 1.0:
        raise ConfigError(
            f"optim.warmup_start_factor={optim.warmup_start_factor} must be in [0, 1], e.g. --set optim.warmup_start_factor=0.1."
        )


def validate_eval(eval: EvalConfig) -> None:
    if eval.mode not in EVAL_MODES:
        raise ConfigError(
            f"eval.mode={eval.mode!r} is not an inference mode; use one of {', '.join(EVAL_MODES)}, e.g. --set eval.mode=whole."
        )
    if eval.mode == "slide":
        for key, value in (("crop_size", eval.crop_size), ("stride", eval.stride)):
            if value is None or len(value) != 2 or min(value) < 1:
                raise ConfigError(
                    f"eval.{key}={value!r}: eval.mode='slide' needs eval.{key} as two positive ints "
                    f"(height, width), e.g. --set eval.{key}=(769,769), or --set eval.mode=whole."
                )
        assert eval.crop_size is not None and eval.stride is not None
        if eval.stride[0] > eval.crop_size[0] or eval.stride[1] > eval.crop_size[1]:
            raise ConfigError(
                f"eval.stride={eval.stride} is larger than eval.crop_size={eval.crop_size}: the windows would skip "
                f"pixels. Use a stride no larger than the crop, e.g. --set eval.stride={tuple(eval.crop_size)}."
            )
    if eval.pad_to is not None:
        if len(eval.pad_to) != 2 or min(eval.pad_to) < 1:
            raise ConfigError(
                f"eval.pad_to={eval.pad_to!r} must be two positive ints (height, width), e.g. --set "
                "eval.pad_to=(1025,2049), or --set eval.pad_to=None."
            )
        if eval.mode != "whole":
            raise ConfigError(
                f"eval.pad_to={tuple(eval.pad_to)} pads whole-image inference; eval.mode={eval.mode!r} pads its own "
                "windows. Use --set eval.mode=whole or eval.pad_to=None."
            )
    if not eval.scales or any(not (scale > 0 and math.isfinite(scale)) for scale in eval.scales):
        raise ConfigError(
            f"eval.scales={eval.scales!r} must be one or more positive numbers, e.g. --set eval.scales=(1.0,)."
        )
