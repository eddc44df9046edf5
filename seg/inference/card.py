"""A model file read once, into one object: the ``ModelCard``.

Whatever a user points a tool at (a checkpoint from tools/train.py or tools/import_weights.py, a plain state
dict, an ``.onnx``, ``.tflite`` or ``.pte`` export) is read by ``read_card`` alone, once: the network's config,
its classes and colours, the input statistics, how it resizes (``align_corners``), any fixed input size, and
for a checkpoint its weights. ``seg.runtimes.factory.load_predictor`` turns a card into a ``Predictor``; every
tool, the evaluation, the benchmarks and the decoder comparison go through these two functions (like
torchvision's ``Weights`` objects, which carry their transforms and categories with the file).

An export keeps the same facts in its metadata (``seg.`` keys, JSON values): an ONNX file in its own
``metadata_props``, a ``.tflite`` or ``.pte`` in ``FILE.json`` beside it (``sidecar``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seg.classes import ClassSet, bit_palette, dataset_classes
from seg.config import (
    Config,
    ConfigError,
    apply_overrides,
    config_from_dict,
    config_to_dict,
    load_config,
    validate_config,
)
from seg.inference.formats import runtime_of
from seg.models.checkpoint import (
    CheckpointError,
    check_model_config,
    checkpoint_config,
    model_state_dict,
    read_checkpoint,
)

# Metadata keys of an export.
CLASS_NAMES = "seg.class_names"
PALETTE = "seg.palette"
MEAN = "seg.mean"
STD = "seg.std"
CONFIG = "seg.config"  # the whole config (seg.config.config_to_dict), so an export rebuilds its predictor alone
INPUT_SIZE = "seg.input_size"  # [H, W] of a fixed-size export; absent or null when height and width are dynamic


@dataclass(frozen=True)
class ModelCard:
    """What a predictor needs to know of a model, whatever file it came from.

    ``config``: the network's config (stored in the file, or given); None only for a foreign export that stores
    none. ``input_size``: (H, W) of a fixed-size export, None when the network takes any size. ``state_dict``:
    a checkpoint's weights (None for an export, or for a network built from a config alone). ``notes``: what
    the user should be told (differences between a given config and the stored one that were accepted).
    """

    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    classes: ClassSet | None = None
    align_corners: bool = False
    config: Config | None = None
    input_size: tuple[int, int] | None = None
    path: Path | None = None
    runtime: str = "torch"
    state_dict: Mapping[str, Any] | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Config, path: str | Path | None = None, **facts: Any) -> ModelCard:
        """The card of a network built from ``config`` (its own class count, statistics and resize rule)."""
        return cls(
            num_classes=config.model.num_classes,
            mean=tuple(config.data.mean),
            std=tuple(config.data.std),
            classes=config_classes(config),
            align_corners=config.model.align_corners,
            config=config,
            path=None if path is None else Path(path),
            **facts,
        )

    def with_config(self, config: Config) -> ModelCard:
        """This card with another config's inference settings (its eval section, data paths)."""
        return dataclasses.replace(self, config=config)

    def metadata(self) -> dict[str, str]:
        """The metadata an export of this model carries (``seg.export.metadata.write_metadata`` writes it)."""
        values: dict[str, Any] = {MEAN: list(self.mean), STD: list(self.std), INPUT_SIZE: self.input_size}
        if self.config is not None:
            values[CONFIG] = config_to_dict(self.config)
        if self.classes is not None:
            values[CLASS_NAMES] = list(self.classes.names)
            values[PALETTE] = [list(color) for color in self.classes.palette]
        return {key: json.dumps(None if value is None else list(value) if isinstance(value, tuple) else value)
                for key, value in values.items()}  # fmt: skip


def config_classes(config: Config) -> ClassSet | None:
    """The dataset's classes when they describe this model's outputs (None for a foreign class count)."""
    try:
        classes = dataset_classes(config.data)
    except ValueError:
        return None
    return classes if len(classes.names) == config.model.num_classes else None


def read_card(
    model: str | Path | None,
    config_path: str | Path | Config | None = None,
    overrides: Sequence[str] = (),
    allow_model_mismatch: bool = False,
) -> ModelCard:
    """Read the model file ``model`` once into a card.

    Without ``config_path`` the config is the one stored in the file (the model rebuilds itself), with
    ``overrides`` applied. With one (a config file, or a ``Config`` already loaded), that config; its model section is compared with the stored one
    (``seg.models.checkpoint.check_model_config``, the one mismatch rule): a difference that changes the
    network is an error naming the fix unless ``allow_model_mismatch``. ``model=None``: the network of
    ``config_path`` with its random initialisation.
    """
    if model is None:
        if config_path is None:
            raise ConfigError("Pass a config, a model file, or both ([CONFIG.py] MODEL).")
        return ModelCard.from_config(_given_config(config_path, overrides))
    path = Path(model)
    runtime = runtime_of(path)
    config = _given_config(config_path, overrides) if config_path is not None else None
    if not path.is_file():
        raise CheckpointError(
            f"{path} does not exist. Pass a .ckpt written by tools/train.py or tools/import_weights.py, a state dict "
            "file, or an export (.onnx, .tflite, .pte) written by tools/export.py."
        )
    if runtime == "torch":
        checkpoint = read_checkpoint(path)
        state, stored, metadata = model_state_dict(checkpoint, path), checkpoint_config(checkpoint, path), {}
        exported_classes, input_size = None, None
    else:
        state = None
        metadata, exported_classes, input_size = _read_export(path)
        stored = _metadata_config(metadata, path)
    if config is None:
        if stored is None:
            what = "an export without a stored config" if runtime != "torch" else "a plain state dict"
            if runtime == "torch" or MEAN not in metadata:
                raise CheckpointError(
                    f"Pass the config {path} was trained with before it ([CONFIG.py] MODEL): it is {what}, so it "
                    "cannot rebuild its model on its own."
                )
        else:
            config = apply_overrides(stored, overrides, source=str(path))
            validate_config(config)
    notes: list[str] = []
    if stored is not None and config is not None:
        source = "--set" if config_path is None else getattr(config_path, "name", None) or str(config_path)
        notes = check_model_config(config, stored, path, source, allow_model_mismatch)
    facts = {"path": path, "runtime": runtime, "state_dict": state, "notes": tuple(notes), "input_size": input_size}
    if runtime == "torch":
        return ModelCard.from_config(config, **facts)
    return _export_card(path, metadata, config, config_path is not None, exported_classes, facts)


def _given_config(config: str | Path | Config, overrides: Sequence[str]) -> Config:
    if isinstance(config, Config):
        config = apply_overrides(config, overrides) if overrides else config
        validate_config(config)
        return config
    return load_config(config, overrides)


def _export_card(
    path: Path,
    metadata: Mapping[str, str],
    config: Config | None,
    given: bool,
    exported_classes: int | None,
    facts: dict,
) -> ModelCard:
    """An export's card: its own metadata for classes (and, without a config, the statistics). A config the user
    ``given`` must name the classes the file was exported for."""
    classes = _metadata_classes(metadata)
    if config is None:
        num_classes = exported_classes or (len(classes.names) if classes is not None else 0)
        if num_classes < 1:
            raise ConfigError(f"{path} does not say how many classes it predicts; pass its config.")
        mean, std = tuple(json.loads(metadata[MEAN])), tuple(json.loads(metadata[STD]))
        return ModelCard(num_classes, mean, std, classes, False, None, **facts)
    card = ModelCard.from_config(config, **facts)
    configured = card.classes
    if given and classes is not None and configured is not None and classes.names != configured.names:
        raise ConfigError(
            f"{path} was exported for the classes {classes.names[:4]}... but the config's dataset "
            f"{config.data.dataset!r} has {configured.names[:4]}...; use the config the model was trained with."
        )
    if exported_classes is not None and exported_classes != config.model.num_classes:
        raise ConfigError(
            f"{path} predicts {exported_classes} classes but the config has model.num_classes="
            f"{config.model.num_classes}; use the config the model was exported from."
        )
    return dataclasses.replace(card, classes=classes or configured)


def sidecar(path: str | Path) -> Path:
    """Where a .tflite or .pte keeps its metadata: ``FILE.json`` beside it (an app ships it as its labels file)."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def read_metadata(path: str | Path) -> dict[str, str]:
    """The ``seg.`` metadata of an export (ONNX props, or the sidecar of a .tflite / .pte); {} when it has none."""
    if runtime_of(path) == "onnxruntime":
        return _read_export(Path(path))[0]
    side = sidecar(path)
    return json.loads(side.read_text()) if side.is_file() else {}


def _read_export(path: Path) -> tuple[dict[str, str], int | None, tuple[int, int] | None]:
    """An export's metadata, the class count its graph fixes (None if dynamic or unknown) and its fixed input size."""
    if runtime_of(path) != "onnxruntime":
        metadata = read_metadata(path)
        size = json.loads(metadata.get(INPUT_SIZE, "null"))
        return metadata, None, None if size is None else (int(size[0]), int(size[1]))
    import onnx  # the graph's protobuf only (no weights): fast even for a large model

    try:
        graph = onnx.load(str(path), load_external_data=False)
    except Exception as error:  # protobuf raises its own DecodeError for a foreign file
        raise ConfigError(
            f"{path} cannot be read as an ONNX model ({type(error).__name__}); export it again with tools/export.py."
        ) from None
    metadata = {prop.key: prop.value for prop in graph.metadata_props}

    def dims(value_info) -> list[int | None]:
        return [d.dim_value if d.HasField("dim_value") else None for d in value_info.type.tensor_type.shape.dim]

    inputs, outputs = dims(graph.graph.input[0]), dims(graph.graph.output[0])
    classes = outputs[1] if len(outputs) == 4 else None
    size = (inputs[2], inputs[3]) if len(inputs) == 4 and None not in inputs[2:] else None
    return metadata, classes, size  # type: ignore[return-value]


def _metadata_classes(metadata: Mapping[str, str]) -> ClassSet | None:
    if CLASS_NAMES not in metadata:
        return None
    names = tuple(json.loads(metadata[CLASS_NAMES]))
    palette = tuple(tuple(int(c) for c in color) for color in json.loads(metadata.get(PALETTE, "[]")))
    return ClassSet(names, palette if len(palette) == len(names) else bit_palette(len(names)))  # type: ignore[arg-type]


def _metadata_config(metadata: Mapping[str, str], path: Path) -> Config | None:
    """The config an export was written from, or None for one without (made by another tool)."""
    value = metadata.get(CONFIG)
    data = json.loads(value) if value is not None else None
    if not isinstance(data, dict):
        return None
    try:
        return config_from_dict(data)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path} stores a config this version cannot read: {error}") from None
