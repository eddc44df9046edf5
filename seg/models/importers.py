"""Trained weights from other libraries, turned into checkpoints of ours.

An importer reads a state dict someone else published (a file the user downloaded; nothing is
downloaded here), renames its keys to our Segmentor's and checks that every tensor fits the model
the config builds. The result is a checkpoint that :func:`seg.models.load_weights` and
:func:`seg.models.read_checkpoint_config` read like one written by tools/train.py:
``{"state_dict": {"model.<key>": tensor}, "hyper_parameters": {"config": ...}}``.

``IMPORTERS`` maps a source name to its importer; only sources whose conversion is tested equal to the
original model are listed: torchvision's ``lraspp_mobilenet_v3_large`` and the authors' TensorFlow checkpoints
(``tensorflow``: read and mapped by :mod:`seg.models.importers_tf`, tested against the authors' own graph).
mmsegmentation's would be a further entry (its LR-ASPP head is a different decoder, see docs/paper_fidelity.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from seg.config import Config, config_to_dict
from seg.models.checkpoint import CheckpointError
from seg.models.segmentor import build_model
from seg.models.state import StateMismatch, compare_state, describe_mismatch


@dataclass(frozen=True)
class Importer:
    """How to read one source: what it is, the name of the config its architecture needs (tools/import_weights.py
    finds configs/NAME.py; the package holds no paths), and its key renaming."""

    description: str
    config_name: str
    # Source key -> our Segmentor key, or None for a key that has no counterpart (reported as unexpected).
    rename: Callable[[str], str | None]


_TORCHVISION_HEAD = {
    "classifier.cbr.": "head.cbr.",
    "classifier.scale.1.": "head.scale.0.",  # torchvision: [AdaptiveAvgPool2d, Conv2d, Sigmoid]; ours: [Conv2d, act]
    "classifier.low_classifier.": "head.low_classifier.",
    "classifier.high_classifier.": "head.high_classifier.",
}


def torchvision_lraspp_key(key: str) -> str | None:
    """torchvision's LRASPP keys: ``backbone.N.*`` (an IntermediateLayerGetter over ``features``) and
    ``classifier.*`` (LRASPPHead) to ours: ``backbone.features.N.*`` and ``head.*``."""
    match = re.fullmatch(r"backbone\.(\d+)\.(.+)", key)
    if match:
        return f"backbone.features.{match.group(1)}.{match.group(2)}"
    for theirs, ours in _TORCHVISION_HEAD.items():
        if key.startswith(theirs):
            return ours + key[len(theirs) :]
    return None


IMPORTERS: dict[str, Importer] = {
    "torchvision": Importer(
        description="a torchvision lraspp_mobilenet_v3_large state dict (torch.save(model.state_dict(), PATH))",
        config_name="lraspp_large_coco_voc",
        rename=torchvision_lraspp_key,
    ),
    "tensorflow": Importer(
        description="the authors' TensorFlow checkpoint (DeepLab model zoo, mobilenetv3_*_cityscapes_trainfine)",
        config_name="lraspp_large_cityscapes_released",
        rename=lambda key: None,  # variables are mapped by seg.models.importers_tf.tf_names, layouts and all
    ),
}


def detect_source(path: str | Path) -> str:
    """The importer for ``path``: "tensorflow" for a tarball, folder or ``model.ckpt-NNN`` prefix, else
    "torchvision" (a PyTorch state dict)."""
    from seg.models.importers_tf import is_tf_source

    return "tensorflow" if is_tf_source(path) else "torchvision"


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """A state dict from ``path``: a plain one, or the ``model`` / ``state_dict`` entry of a training checkpoint."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist. Pass the state dict file you downloaded; nothing is downloaded.")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for truncated or foreign files
        raise CheckpointError(
            f"{path} cannot be read as a PyTorch state dict ({type(error).__name__}: {error})."
        ) from None
    for key in ("model", "state_dict"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data = data[key]
    if not isinstance(data, dict) or not data or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise CheckpointError(f"{path} holds no state dict (a dict of tensors).")
    return data


def import_checkpoint(path: str | Path, config: Config, source: str = "torchvision") -> dict[str, Any]:
    """The checkpoint for ``config`` made from ``source``'s state dict at ``path``.

    Raises :class:`CheckpointError`, one paragraph naming the keys, when the state dict is not of the
    architecture or class count the config builds.
    """
    if source not in IMPORTERS:
        raise CheckpointError(f"Unknown weight source {source!r}; known sources: {', '.join(sorted(IMPORTERS))}.")
    if source == "tensorflow":
        from seg.models.importers_tf import import_tf_checkpoint

        return import_tf_checkpoint(path, config)[0]
    importer = IMPORTERS[source]
    theirs = read_state_dict(path)
    own = build_model(config.model).state_dict()
    renamed: dict[str, torch.Tensor] = {}
    origin: dict[str, str] = {}  # our key -> their key, for messages
    unexpected = []
    for key, tensor in theirs.items():
        ours = importer.rename(key)
        if ours is None or ours not in own:
            unexpected.append(key)
            continue
        renamed[ours] = tensor
        origin[ours] = key
    found = compare_state(renamed, own)  # every renamed key is one of the model's: only missing or misshaped
    mismatch = StateMismatch(sorted(unexpected), found.missing, found.misshaped)
    if mismatch:
        raise CheckpointError(_mismatch_message(path, config, importer, mismatch, renamed, own, origin))
    return {
        "state_dict": {f"model.{k}": v for k, v in renamed.items()},
        "hyper_parameters": {"config": config_to_dict(config)},
        "imported_from": {"source": source, "file": str(path)},
    }


def _mismatch_message(
    path: str | Path,
    config: Config,
    importer: Importer,
    mismatch: StateMismatch,
    renamed: dict[str, torch.Tensor],
    own: dict[str, torch.Tensor],
    origin: dict[str, str],
) -> str:
    details = describe_mismatch(mismatch, renamed, own, shown=origin.__getitem__)
    hint = ""
    classifier = "head.high_classifier.weight"
    theirs_classes = renamed[classifier].shape[0] if classifier in renamed else None
    if theirs_classes is not None and theirs_classes != own[classifier].shape[0]:
        hint += f" Its classifier has {theirs_classes} classes but the config sets model.num_classes={config.model.num_classes}"
    only_classes = not (mismatch.missing or mismatch.unexpected) and all(
        k.startswith(("head.low_classifier.", "head.high_classifier.")) and renamed[k].shape[1:] == own[k].shape[1:]
        for k in mismatch.misshaped
    )
    if only_classes:
        hint += f"; use a config with model.num_classes={theirs_classes}."
    else:
        hint += (
            ("; and it" if hint else " It")
            + f" is a state dict of another architecture than the config's (model.backbone={config.model.backbone!r}, "
            f"model.reduced_tail={config.model.reduced_tail}, model.low_level_tap={config.model.low_level_tap!r}, "
            f"model.head={config.model.head!r}); {importer.description.split(' (')[0]} needs "
            f"the config {importer.config_name!r} (configs/{importer.config_name}.py)."
        )
    return f"{path} does not fit the config's model: {details}.{hint}"
