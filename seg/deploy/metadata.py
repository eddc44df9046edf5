"""What an exported model says about itself: class names, overlay colours, input statistics and the whole config
it was exported from, stored in the ONNX file's ``metadata_props`` (string key/value pairs every ONNX tool keeps), so a predictor built from the
file alone normalises its input and labels its output correctly (``seg.deploy.runtime.load_predictor``).

Keys are prefixed ``seg.``; values are JSON. ONNX Runtime hands them back through
``InferenceSession.get_modelmeta().custom_metadata_map``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import onnx

from ..config import Config, config_from_dict, config_to_dict
from ..data.catalog import ClassSet, bit_palette
from ..models.checkpoint import CheckpointError

CLASS_NAMES = "seg.class_names"
PALETTE = "seg.palette"
MEAN = "seg.mean"
STD = "seg.std"
CONFIG = "seg.config"  # the whole config (seg.config.config_to_dict), so an export rebuilds its predictor alone


@dataclass(frozen=True)
class ModelInfo:
    """The metadata of an export, read back; None where the file does not say (an export made before it did)."""

    classes: ClassSet | None
    mean: tuple[float, float, float] | None
    std: tuple[float, float, float] | None


def model_metadata(config: Config, classes: ClassSet | None) -> dict[str, str]:
    """The metadata ``tools/export_onnx.py`` writes for a model of ``config`` whose outputs are ``classes``."""
    metadata = {MEAN: json.dumps(list(config.data.mean)), STD: json.dumps(list(config.data.std))}
    metadata[CONFIG] = json.dumps(config_to_dict(config))
    if classes is not None:
        metadata[CLASS_NAMES] = json.dumps(list(classes.names))
        metadata[PALETTE] = json.dumps([list(color) for color in classes.palette])
    return metadata


def sidecar(path: str | Path) -> Path:
    """Where a .tflite or .pte keeps the same metadata: ``FILE.json`` beside it (an app ships it as its labels file)."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def write_metadata(path: str | Path, metadata: dict[str, str]) -> None:
    """Set ``metadata`` on the model file at ``path`` (replacing keys it already has): an ONNX file's own
    ``metadata_props``; for a .tflite or .pte, the JSON file beside it (``sidecar``)."""
    if Path(path).suffix.lower() != ".onnx":
        merged = {**read_metadata(path), **metadata}
        sidecar(path).write_text(json.dumps(merged, indent=1) + "\n")
        return
    model = onnx.load(str(path), load_external_data=False)
    kept = [(prop.key, prop.value) for prop in model.metadata_props if prop.key not in metadata]
    del model.metadata_props[:]
    for key, value in [*kept, *metadata.items()]:
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, str(path))


def read_metadata(path: str | Path) -> dict[str, str]:
    """The ``seg.`` metadata of a model file (ONNX props, or the sidecar of a .tflite / .pte); {} when it has none."""
    if Path(path).suffix.lower() != ".onnx":
        side = sidecar(path)
        return json.loads(side.read_text()) if side.is_file() else {}
    model = onnx.load(str(path), load_external_data=False)
    return {prop.key: prop.value for prop in model.metadata_props}


def model_info(metadata: dict[str, str]) -> ModelInfo:
    """Decode the ``seg.`` keys of an ONNX file's metadata."""
    classes = None
    if CLASS_NAMES in metadata:
        names = tuple(json.loads(metadata[CLASS_NAMES]))
        palette = tuple(tuple(int(c) for c in color) for color in json.loads(metadata.get(PALETTE, "[]")))
        if len(palette) != len(names):
            palette = bit_palette(len(names))
        classes = ClassSet(names, palette)  # type: ignore[arg-type]
    mean = tuple(json.loads(metadata[MEAN])) if MEAN in metadata else None
    std = tuple(json.loads(metadata[STD])) if STD in metadata else None
    return ModelInfo(classes, mean, std)  # type: ignore[arg-type]


def stored_config(metadata: dict[str, str], path: str | Path) -> Config | None:
    """The config an export was written from, or None for an .onnx without one (made by another tool)."""
    value = metadata.get(CONFIG)
    if value is None:
        return None
    data = json.loads(value)
    if not isinstance(data, dict):  # an early export stored only the config's name
        return None
    try:
        return config_from_dict(data)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path} stores a config this version cannot read: {error}") from None
