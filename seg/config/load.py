"""Reading configs: ``load_config`` runs a config file and applies ``section.field=value`` overrides (parsed and
type-checked against the field's annotation); ``config_to_dict`` / ``config_from_dict`` carry a config through
JSON and checkpoints; ``format_config`` prints it."""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import sys
import types
import typing
from pathlib import Path
from typing import Any

from seg.classes import resolve_classes
from seg.config.rules import closest_choice, validate_config
from seg.config.schema import Config, ConfigError


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
    """Copy the folder format's classes in and fill ``model.num_classes=0`` (seg.classes.resolve_classes)."""
    if config.data.dataset != "folder" and config.model.num_classes != 0:
        return config
    return resolve_classes(config)


def _valid_fields_hint(message: str) -> str:
    """For "X.__init__() got an unexpected keyword argument", list X's fields."""
    for cls in _config_classes():
        if message.startswith(f"{cls.__name__}.__init__()"):
            return f"Valid fields of {cls.__name__}: {', '.join(f.name for f in dataclasses.fields(cls))}."
    return ""


def _config_classes(cls: type = Config) -> list[type]:
    """``cls`` and every section class below it, found from the fields, so a new section is never left out."""
    hints = typing.get_type_hints(cls)
    found = [cls]
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            found += _config_classes(hints[f.name])
    return found


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
        guess = closest_choice(head, tuple(names))
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


# Fields a checkpoint or resolved config written by an older release of seg may hold and that no section has;
# reading such a file drops them. data.num_classes: the class count lives only in model.num_classes.
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
