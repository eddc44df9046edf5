"""Typed experiment configs.

A config file is plain Python that defines ``config``, a :class:`Config` tree of
frozen dataclasses. A variant imports its base (the config's own folder is on
``sys.path`` while it loads) and replaces fields with :func:`dataclasses.replace`;
there is no string inheritance and no dict merging, so a misspelled field is a
``TypeError`` at load time instead of a silently dead key.

``load_config(path, overrides)`` applies ``section.field=value`` overrides with
type checking; an unknown key fails with a message listing the valid ones.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import math
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seg.errors import UserError


class ConfigError(UserError):
    """A config file or override is wrong; the message says where and how to fix it."""


@dataclass(frozen=True)
class ModelConfig:
    """Encoder + decoder. Field names are the constructor arguments of the modules."""

    backbone: str = "mobilenet_v3_large"
    head: str = "lraspp"
    # The one place the class count lives; the dataset's class list must have as many classes
    # (checked when a dataset is built, seg.data.catalog.check_num_classes). 0: as many as the dataset
    # has, filled in by load_config (the folder format's count is the length of ROOT/classes.txt).
    num_classes: int = 19
    width_mult: float = 1.0
    # Output stride of the encoder's "high" features: 32 is the plain ImageNet
    # network; 16 dilates the last stage (rate 2); 8 the last two (rates 2, 4).
    output_stride: int = 16
    # The paper's RF2 (Sec. 6.1.4): halve the channels of the last stage.
    reduced_tail: bool = True
    # The decoder's filter count F (Table 7: 128 or 256).
    head_channels: int = 128
    # LR-ASPP gate pooling: "global" (torchvision), "paper" (49x49 avg pool, stride (16, 20), Fig. 10) or
    # "crop" (the authors' code: the kernel is pool_crop_size at the output stride, stride pool_stride).
    pool: str = "global"
    # DeepLabV3 atrous rates; None ties them to the output stride: (6, 12, 18) at 16,
    # doubled at 8, halved at 32.
    atrous_rates: tuple[int, ...] | None = None
    # Optional torchvision ImageNet state dict that initialises the encoder when a training run
    # starts (a local file; nothing is ever downloaded). Only training reads it: build_model never
    # does, and every other tool takes the weights from a checkpoint.
    backbone_weights: str | None = None
    # ---- Where readings of the paper differ (docs/paper_fidelity.md); the defaults are torchvision's. ----
    # How RF2 sizes the expansion of the first stride-32 block: "kept" as its input calls for (672 Large,
    # 288 Small; torchvision's reduced_tail) or "halved" (336, 144; the authors' mobilenet_v3_*_seg in
    # research/deeplab/core/feature_extractor.py). Only used with reduced_tail=True.
    tail_expansion: str = "kept"
    # The stride-8 map the LR-ASPP skip reads: "last_block" (output of the last stride-8 block, 40 channels
    # for Large), "first_block" (output of the first one; torchvision's stage_indices[-4]) or "depthwise"
    # (depthwise output inside the last one, before its SE, 120 channels; the authors' layer_7/depthwise_output).
    low_level_tap: str = "last_block"
    # With output_stride < 32, the rate of the block that gives up its stride: "strided_block" (already the
    # doubled rate; torchvision's dilated=True) or "next_block" (the rate before it; the authors' mobilenet_base).
    dilation_start: str = "strided_block"
    # Whether a block that gave up its stride adds a residual when its widths match (the authors' expanded_conv
    # tests the stride it runs with; torchvision the ImageNet stride). Only Small's first RF2 block qualifies.
    dilated_block_residual: bool = False
    # LR-ASPP gate non-linearity: "sigmoid" (torchvision) or "hard_sigmoid" (relu6(x + 3) / 6, the authors'
    # q_sigmoid with image_se_uses_qsigmoid=1).
    gate_activation: str = "sigmoid"
    # A bias on the gate's 1x1 conv (the authors' slim.conv2d without normalizer has one; torchvision's not).
    gate_bias: bool = False
    # pool="crop" only: the crop the gate's kernel is sized for, (height, width) (the authors'
    # image_pooling_crop_size=769,769), and the pool's stride in feature cells (image_pooling_stride=4,5).
    pool_crop_size: tuple[int, int] = (769, 769)
    pool_stride: tuple[int, int] = (4, 5)
    # align_corners of the model's bilinear resizes (decoder and logits): True in the authors' code
    # (core/utils.py resize_bilinear), False in torchvision's.
    align_corners: bool = False


@dataclass(frozen=True)
class AugmentConfig:
    """Training augmentation (albumentations), in the order applied."""

    scale_range: tuple[float, float] = (0.5, 2.0)
    crop_size: tuple[int, int] = (769, 769)  # (height, width)
    hflip: bool = True
    # Photometric jitter strength (brightness, contrast, saturation); hue is a quarter of it.
    color_jitter: float = 0.2
    color_jitter_p: float = 0.5


@dataclass(frozen=True)
class DataConfig:
    """Where the data is and how it is fed."""

    # The layout at ``root`` (datasets/README.md): "cityscapes"; "toy" (the Cityscapes layout, generated
    # into ``root`` by datasets/make_toy_cityscapes.py when it is missing); "ade20k" (ADEChallengeData2016);
    # "voc" (VOCdevkit/VOC2012); "camvid" (SegNet's 11-class split); "folder" (your own images and masks).
    dataset: str = "cityscapes"
    root: str = "datasets/cityscapes"
    train_split: str = "train"
    val_split: str = "val"
    ignore_index: int = 255
    # Global batch size, split evenly across devices (the paper's protocol: 16).
    batch_size: int = 16
    val_batch_size: int = 1
    num_workers: int = 4
    # ImageNet statistics, also the padding value of the crop (as the image is padded
    # with the mean, it normalises to zero).
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    # The folder format's classes, copied from ROOT/classes.txt when the config is loaded (empty: not read
    # yet, or a published dataset whose classes seg.data.catalog knows). A run's resolved config and its
    # checkpoints carry them, so exported models and tools label without the dataset at hand.
    class_names: tuple[str, ...] = ()
    palette: tuple[tuple[int, int, int], ...] = ()  # RGB per class, same order as class_names
    # Decode every image and label once into this folder (uncompressed .npy, memory-mapped on later
    # reads; seg/data/cache.py). About 8 MB per Cityscapes pair; None decodes the files at every read.
    cache_dir: str | None = None
    # Toy-set generation (dataset == "toy" only).
    toy_train: int = 0
    toy_val: int = 0
    toy_seed: int = 0
    toy_image_size: tuple[int, int] = (256, 512)  # (height, width)


@dataclass(frozen=True)
class LossConfig:
    """Cross-entropy averaged over non-ignored pixels."""

    class_weights: tuple[float, ...] | None = None
    ohem: bool = False
    # OHEM keeps pixels whose true-class probability is below the threshold, and at
    # least ``ohem_min_kept`` of the hardest ones.
    ohem_threshold: float = 0.7
    ohem_min_kept: int = 100_000


@dataclass(frozen=True)
class OptimConfig:
    """Optimizer and the per-iteration poly schedule."""

    optimizer: str = "sgd"  # "sgd" or "adamw"
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 4e-5
    poly_power: float = 0.9
    warmup_steps: int = 0
    warmup_start_factor: float = 0.1


@dataclass(frozen=True)
class TrainerConfig:
    """What Lightning's Trainer needs, plus our own switches."""

    max_steps: int = 90_000
    val_every_n_steps: int = 5_000
    accelerator: str = "auto"
    devices: int = 1
    # Machines for multi-node DDP (SLURM / torchrun); data.batch_size is split over devices * num_nodes.
    num_nodes: int = 1
    # Lightning precision string: "32-true", "bf16-mixed", "16-mixed".
    precision: str = "32-true"
    channels_last: bool = False
    seed: int = 0
    log_every_n_steps: int = 50


@dataclass(frozen=True)
class EvalConfig:
    """Inference mode for evaluation; written next to every reported number."""

    mode: str = "whole"  # "whole" or "slide"
    crop_size: tuple[int, int] | None = None  # sliding window (height, width)
    stride: tuple[int, int] | None = None  # sliding window step (height, width)
    flip: bool = False
    scales: tuple[float, ...] = (1.0,)


@dataclass(frozen=True)
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    # Short name used for work dirs; defaults to the config file's stem.
    name: str = ""


# --------------------------------------------------------------------------- loading


def load_config(path: str | Path, overrides: typing.Sequence[str] = ()) -> Config:
    """Load ``config`` from a Python file and apply ``section.field=value`` overrides."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"Config file {path} does not exist. Pass a file from configs/, e.g. configs/lraspp_large_cityscapes.py."
        )
    module_name = f"_seg_config_{path.stem}_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # The config's folder goes on sys.path so a variant can `from base_config import config`.
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    before = set(sys.modules)
    try:
        spec.loader.exec_module(module)
    except TypeError as error:
        raise ConfigError(f"{path}: {error}. {_valid_fields_hint(str(error))}") from error
    finally:
        sys.path.remove(folder)
        # Forget the base configs it imported, so the next load reads them from disk again.
        for name in set(sys.modules) - before:
            if str(getattr(sys.modules[name], "__file__", "") or "").startswith(folder):
                del sys.modules[name]
    config = getattr(module, "config", None)
    if not isinstance(config, Config):
        raise ConfigError(
            f"{path} must define `config = Config(...)` (a seg.config.Config); found {type(config).__name__}."
        )
    if not config.name:
        config = dataclasses.replace(config, name=path.stem)
    config = apply_overrides(config, overrides, source=str(path))
    config = _resolve_classes(config)
    validate_config(config)
    return config


def _resolve_classes(config: Config) -> Config:
    """Copy the folder format's classes in and fill ``model.num_classes=0`` (seg.data.catalog.resolve_classes);
    imported only when needed, so loading any other config stays free of the data stack."""
    if config.data.dataset != "folder" and config.model.num_classes != 0:
        return config
    from seg.data.catalog import resolve_classes

    return resolve_classes(config)


def _valid_fields_hint(message: str) -> str:
    """For "X.__init__() got an unexpected keyword argument", list X's fields."""
    for cls in _config_classes():
        if message.startswith(f"{cls.__name__}.__init__()"):
            return f"Valid fields of {cls.__name__}: {', '.join(f.name for f in dataclasses.fields(cls))}."
    return ""


def _config_classes() -> list[type]:
    return [Config, ModelConfig, DataConfig, AugmentConfig, LossConfig, OptimConfig, TrainerConfig, EvalConfig]


def apply_overrides(config: Config, overrides: typing.Sequence[str], source: str = "--set") -> Config:
    """Return a copy of ``config`` with each ``a.b.c=value`` override applied and type-checked."""
    for override in overrides:
        key, sep, raw = override.partition("=")
        if not sep or not key:
            raise ConfigError(
                f"Override {override!r} ({source}) must look like section.field=value, e.g. model.output_stride=8."
            )
        config = _set_path(config, key.strip().split("."), raw.strip(), key.strip())
    return config


def _set_path(node: Any, parts: list[str], raw: str, full_key: str) -> Any:
    names = {f.name: f for f in dataclasses.fields(node)}
    head = parts[0]
    if head not in names:
        prefix = full_key[: len(full_key) - len(".".join(parts))]
        valid = ", ".join(prefix + n for n in names)
        guess = _closest(head, tuple(names))
        rest = full_key[len(prefix) + len(head) :]
        raise ConfigError(
            f"Unknown config key {full_key!r}: did you mean --set {prefix}{guess}{rest}={raw}? "
            f"{type(node).__name__} has no field {head!r}; valid keys here: {valid}."
        )
    hints = typing.get_type_hints(type(node))
    value = getattr(node, head)
    if len(parts) > 1:
        if not dataclasses.is_dataclass(value):
            raise ConfigError(
                f"Config key {full_key!r}: {head!r} is a value, not a section; use {full_key[: full_key.index(head) + len(head)]}=VALUE."
            )
        return dataclasses.replace(node, **{head: _set_path(value, parts[1:], raw, full_key)})
    if dataclasses.is_dataclass(value):
        fields_list = ", ".join(f"{full_key}.{f.name}" for f in dataclasses.fields(value))
        raise ConfigError(f"Config key {full_key!r} is a section; set one of its fields: {fields_list}.")
    return dataclasses.replace(node, **{head: parse_value(raw, hints[head], full_key)})


def parse_value(raw: str, annotation: Any, key: str) -> Any:
    """Parse ``raw`` (a Python literal, or a bare string) and check it against ``annotation``."""
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw  # a bare word such as `model.head=raspp`
    if isinstance(value, list):
        value = tuple(value)
    try:
        return _check_type(value, annotation)
    except TypeError as error:
        raise ConfigError(
            f"Config key {key!r}: cannot use {raw!r}; expected {_type_name(annotation)} ({error})."
        ) from None


def _check_type(value: Any, annotation: Any) -> Any:
    if isinstance(value, list):  # JSON and checkpoints store tuples as lists
        value = tuple(value)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(annotation):
            try:
                return _check_type(value, option)
            except TypeError as error:
                errors.append(str(error))
        raise TypeError("; ".join(errors))
    if annotation is type(None):
        if value is None or value == "None":
            return None
        raise TypeError(f"{value!r} is not None")
    if origin is tuple:
        args = typing.get_args(annotation)
        if not isinstance(value, tuple):
            value = (value,) if not isinstance(value, str) else value
        if not isinstance(value, tuple):
            raise TypeError(f"{value!r} is not a tuple")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_check_type(v, args[0]) for v in value)
        if len(value) != len(args):
            raise TypeError(f"{value!r} needs {len(args)} items")
        return tuple(_check_type(v, a) for v, a in zip(value, args, strict=True))
    if annotation is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise TypeError(f"{value!r} is not true/false")
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise TypeError(f"{value!r} is not an integer")
    if annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise TypeError(f"{value!r} is not a number")
    if annotation is str:
        if isinstance(value, str):
            return value
        return str(value) if isinstance(value, (int, float)) else _raise(f"{value!r} is not a string")
    raise TypeError(f"unsupported type {annotation!r}")


def _raise(message: str) -> Any:
    raise TypeError(message)


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def config_to_dict(config: Config) -> dict[str, Any]:
    """A JSON-ready dict of the whole config (tuples become lists)."""
    return dataclasses.asdict(config)


def config_from_dict(data: dict[str, Any]) -> Config:
    """Rebuild a :class:`Config` from :func:`config_to_dict` output (e.g. from a checkpoint)."""
    return _from_dict(Config, data)


# Fields that earlier versions wrote into checkpoints and resolved configs and that are gone now; reading an
# old file drops them. data.num_classes: the class count lives only in model.num_classes since issue 9.
REMOVED_FIELDS: dict[str, frozenset[str]] = {"DataConfig": frozenset({"num_classes"})}


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    data = {key: value for key, value in data.items() if key not in REMOVED_FIELDS.get(cls.__name__, ())}
    unknown = set(data) - names
    if unknown:
        raise ConfigError(f"Unknown {cls.__name__} fields {sorted(unknown)}; valid fields: {sorted(names)}.")
    kwargs = {}
    for name, value in data.items():
        annotation = hints[name]
        if dataclasses.is_dataclass(annotation):
            kwargs[name] = _from_dict(annotation, value)
        else:
            kwargs[name] = _check_type(tuple(value) if isinstance(value, list) else value, annotation)
    return cls(**kwargs)


def format_config(config: Config) -> str:
    """The resolved config as ``section.field = value`` lines, one per field."""
    lines: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if dataclasses.is_dataclass(value):
                walk(value, f"{prefix}{f.name}.")
            else:
                lines.append(f"{prefix}{f.name} = {value!r}")

    walk(config, "")
    return "\n".join(lines)


# --------------------------------------------------------------------------- validation
# Every rule that one config field or a pair of fields must satisfy lives here, once; load_config
# applies them all, and the functions that take a section (the optimizer builder, the inference
# modes) call the section's validator, so a hand-built config meets the same messages. Facts that
# need the data on disk (the dataset's class count) are checked where the dataset is built.

OPTIMIZERS = ("sgd", "adamw")
PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")
EVAL_MODES = ("whole", "slide")
OUTPUT_STRIDES = (8, 16, 32)
# The readings of the paper a model field can select (docs/paper_fidelity.md says whose each value is).
DILATION_STARTS = ("strided_block", "next_block")  # model.dilation_start
LOW_LEVEL_TAPS = ("last_block", "first_block", "depthwise")  # model.low_level_tap
TAIL_EXPANSIONS = ("kept", "halved")  # model.tail_expansion
POOLS = ("global", "paper", "crop")  # model.pool (LR-ASPP's gate pool)
GATE_ACTIVATIONS = ("sigmoid", "hard_sigmoid")  # model.gate_activation


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
            "in by load_config or seg.data.catalog.resolve_classes before a model is built)."
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
    if t.max_steps < 1 or t.val_every_n_steps < 1:
        raise ConfigError(
            f"trainer.max_steps={t.max_steps} and trainer.val_every_n_steps={t.val_every_n_steps} must be positive, "
            f"e.g. --set trainer.max_steps={max(t.max_steps, 1)} trainer.val_every_n_steps="
            f"{_largest_divisor(max(t.max_steps, 1), max(t.val_every_n_steps, 1))}."
        )
    if t.max_steps % t.val_every_n_steps:
        # Lightning validates every N steps but not at max_steps itself; the final weights must be validated
        # (metrics.json, last.ckpt), so the last validation has to fall on the last step.
        raise ConfigError(
            f"trainer.max_steps={t.max_steps} is not a multiple of trainer.val_every_n_steps={t.val_every_n_steps}, so "
            "the final weights would never be validated. Use a divisor, e.g. "
            f"--set trainer.val_every_n_steps={_largest_divisor(t.max_steps, t.val_every_n_steps)}."
        )
    if t.precision not in PRECISIONS:
        raise ConfigError(
            f"trainer.precision={t.precision!r} is not supported; use one of {', '.join(PRECISIONS)}, e.g. --set trainer.precision={_closest(t.precision, PRECISIONS)}."
        )
    if t.devices < 1 or t.num_nodes < 1:
        raise ConfigError(
            f"trainer.devices={t.devices} and trainer.num_nodes={t.num_nodes} must be at least 1, e.g. --set trainer.devices=1 trainer.num_nodes=1."
        )


def _closest(value: str, choices: tuple[str, ...]) -> str:
    """The choice most like a misspelt ``value`` (for the suggested override), else the first."""
    import difflib

    return next(iter(difflib.get_close_matches(value, choices, n=1, cutoff=0.0)), choices[0])


def _largest_divisor(total: int, at_most: int) -> int:
    return max(d for d in range(1, min(total, at_most) + 1) if total % d == 0)


def validate_optim(optim: OptimConfig, max_steps: int | None = None) -> None:
    """The optimizer's settings; with ``max_steps`` also the schedule's."""
    if optim.optimizer not in OPTIMIZERS:
        raise ConfigError(
            f"optim.optimizer={optim.optimizer!r} is not supported; use one of {', '.join(OPTIMIZERS)}, e.g. --set optim.optimizer={_closest(optim.optimizer, OPTIMIZERS)}."
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
    if not 0 <= optim.warmup_steps < max_steps:
        raise ConfigError(
            f"optim.warmup_steps={optim.warmup_steps} must be in [0, trainer.max_steps={max_steps}); "
            f"e.g. --set optim.warmup_steps={min(max(optim.warmup_steps, 0), max_steps // 10)}."
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
    if not eval.scales or any(not (scale > 0 and math.isfinite(scale)) for scale in eval.scales):
        raise ConfigError(
            f"eval.scales={eval.scales!r} must be one or more positive numbers, e.g. --set eval.scales=(1.0,)."
        )
