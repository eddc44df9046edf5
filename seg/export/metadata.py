"""Writing what an export says about itself: its ``ModelCard``'s facts (classes, colours, input statistics, fixed
input size and the whole config) as ``seg.`` metadata, so ``seg.inference.card.read_card`` rebuilds the card from
the file alone. An ONNX file keeps them in its ``metadata_props`` (string key/value pairs every ONNX tool keeps);
a ``.tflite`` or ``.pte`` in ``FILE.json`` beside it (``seg.inference.card.sidecar``).
"""

from __future__ import annotations

import json
from pathlib import Path

import onnx

from seg.inference.card import read_metadata, runtime_of, sidecar


def write_metadata(path: str | Path, metadata: dict[str, str]) -> None:
    """Set ``metadata`` on the model file at ``path``, replacing keys it already has."""
    if runtime_of(path) != "onnxruntime":
        merged = {**read_metadata(path), **metadata}
        sidecar(path).write_text(json.dumps(merged, indent=1) + "\n")
        return
    model = onnx.load(str(path), load_external_data=False)
    kept = [(prop.key, prop.value) for prop in model.metadata_props if prop.key not in metadata]
    del model.metadata_props[:]
    for key, value in [*kept, *metadata.items()]:
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, str(path))
