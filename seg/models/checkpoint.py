"""Loading trained weights into a Segmentor (Lightning checkpoints or plain state dicts), and checking that a
config describes the network a checkpoint was trained as (``check_model_config``): a checkpoint stores its
whole config, so it can rebuild its own model, and a config that says otherwise is caught before it runs."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from seg.config import Config, ConfigError, ModelConfig, config_from_dict, load_config
from seg.errors import UserError
from seg.models.state import compare_state, describe_mismatch


class CheckpointError(UserError):
    """A checkpoint cannot be read or does not fit the model; the message names the file and the fix."""


def read_checkpoint(path: str | Path, mmap: bool = False) -> Any:
    """The one ``torch.load`` of a model file (a Lightning .ckpt, a state dict, an imported checkpoint)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"Checkpoint {path} does not exist. Pass a .ckpt written by tools/train.py or a state dict file."
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=False, mmap=mmap)
    except Exception as error:  # torch raises many types for truncated or foreign files
        raise CheckpointError(
            f"Checkpoint {path} cannot be read ({type(error).__name__}: {error}). It may be truncated or not a PyTorch file."
        ) from None


def model_state_dict(checkpoint: Any, path: str | Path = "<checkpoint>") -> dict[str, torch.Tensor]:
    """The Segmentor's state dict from a Lightning checkpoint (keys ``model.*``) or a plain state dict."""
    if isinstance(checkpoint, dict) and isinstance(checkpoint.get("state_dict"), dict):
        state = checkpoint["state_dict"]
        if any(k.startswith("model.") for k in state):
            return {k[len("model.") :]: v for k, v in state.items() if k.startswith("model.")}
        return state
    if isinstance(checkpoint, dict) and all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        return checkpoint
    raise CheckpointError(f"Checkpoint {path} holds no model state dict (expected a Lightning .ckpt or a state dict).")


def load_weights(model: nn.Module, path: str | Path) -> nn.Module:
    """Load the checkpoint at ``path`` into ``model`` (read once); see ``load_state``."""
    checkpoint = read_checkpoint(path)
    return load_state(model, model_state_dict(checkpoint, path), path, checkpoint_config(checkpoint, path))


def load_state(
    model: nn.Module, state: Mapping[str, torch.Tensor], path: str | Path, stored: Config | None = None
) -> nn.Module:
    """Load ``state`` (read from ``path``, whose stored config is ``stored``) into ``model``; a checkpoint for another
    architecture or class count is a clear error naming the fix."""
    own = model.state_dict()
    mismatch = compare_state(state, own)
    if not mismatch:
        model.load_state_dict(state)
        return model
    if stored is not None:
        origin = trained_with(path, stored)
        fix = f"Omit the config (the checkpoint rebuilds its own model) or pass {origin}, which it was trained with"
    else:
        fix = f"Pass the config {path} was trained with"
    classes, built = _stored_classes(state), _stored_classes(own)
    count = (
        f" It predicts {classes} classes where this model has {built} (--set model.num_classes={classes})."
        if classes is not None and built is not None and classes != built
        else ""
    )
    raise CheckpointError(f"{fix}: {path} does not fit this model ({describe_mismatch(mismatch, state, own)}).{count}")


def _stored_classes(state: dict[str, torch.Tensor]) -> int | None:
    """The class count of a state dict: the output channels of its (last) classifier."""
    keys = sorted(k for k in state if "classifier" in k and k.endswith("weight") and state[k].ndim == 4)
    return int(state[keys[-1]].shape[0]) if keys else None


# --------------------------------------------------------------------------- does a config describe a checkpoint?
# What a model field that differs from the checkpoint's stored config does to the network:
# "weights": the weights do not load at all (other layers or shapes); "network": they load but compute something
# else (the gate pool, the output stride, the atrous rates, and any field added later, to be safe); "none": the
# field only matters before training (backbone_weights initialises a run; a checkpoint replaces it).
WEIGHT_FIELDS = frozenset({"backbone", "head", "num_classes", "width_mult", "reduced_tail", "head_channels"})
INERT_FIELDS = frozenset({"backbone_weights"})


@dataclass(frozen=True)
class ModelDifference:
    field: str
    stored: Any
    given: Any

    @property
    def effect(self) -> str:
        if self.field in INERT_FIELDS:
            return "none"
        return "weights" if self.field in WEIGHT_FIELDS else "network"

    def __str__(self) -> str:
        return f"model.{self.field}={self.given!r} (the checkpoint has {self.stored!r})"


def model_differences(stored: ModelConfig, given: ModelConfig) -> list[ModelDifference]:
    """Every model field whose value differs between the checkpoint's config and the one given."""
    return [
        ModelDifference(f.name, getattr(stored, f.name), getattr(given, f.name))
        for f in dataclasses.fields(ModelConfig)
        if getattr(stored, f.name) != getattr(given, f.name)
    ]


def check_model_config(
    config: Config, stored: Config, weights: str | Path, source: str, allow_mismatch: bool = False
) -> list[str]:
    """Compare ``config.model`` (from ``source``: a config file, or "--set" on the stored config) with the config
    stored in ``weights``. Returns notes for the user (differences that are harmless, or accepted with
    ``allow_mismatch``); raises :class:`CheckpointError`, the fix first, for a difference that changes the network.
    """
    differences = model_differences(stored.model, config.model)
    changing = [d for d in differences if d.effect != "none"]
    notes = [f"note: {d}; it only initialises training, so the checkpoint's weights are used." for d in differences
             if d.effect == "none"]  # fmt: skip
    if not changing:
        return notes
    listed = "; ".join(str(d) for d in changing)
    origin = trained_with(weights, stored)
    if source == "--set":
        fix = f"Drop the --set overrides of {', '.join(f'model.{d.field}' for d in changing)}"
    else:
        fix = f"Omit the config (the checkpoint rebuilds its own model) or pass {origin}, which it was trained with"
    subject = "--set" if source == "--set" else source
    if any(d.effect == "weights" for d in changing):
        raise CheckpointError(
            f"{fix}: {weights} cannot load under {subject}, whose model differs in its weights' shapes: {listed}."
        )
    if not allow_mismatch:
        raise CheckpointError(
            f"{fix}: {subject} would run {weights} as another network than it was trained as: {listed}. To run it "
            "so anyway, pass --allow-model-mismatch."
        )
    return [*notes, f"warning: --allow-model-mismatch: running {weights} as {listed}."]


def trained_with(weights: str | Path, stored: Config) -> str:
    """Where the config ``weights`` was trained with can be found: the run's config.py, or configs/NAME.py when
    either still describes the same model; else the config's name."""
    weights = Path(weights)
    # The run's own config.py (tools/train.py writes it beside checkpoints/), then configs/NAME.py where the
    # tool runs; nothing inside the installed package.
    candidates = [weights.parent.parent / "config.py", Path("configs") / f"{stored.name}.py"]
    for candidate in candidates:
        if candidate.is_file():
            try:
                same = not [
                    d for d in model_differences(stored.model, load_config(candidate).model) if d.effect != "none"
                ]
            except UserError:
                continue
            if same:
                return str(candidate)
    return f"config {stored.name!r}, stored in the checkpoint" if stored.name else "the config stored in the checkpoint"


def checkpoint_config(checkpoint: Any, path: str | Path = "<checkpoint>") -> Config | None:
    """The config stored in a checkpoint read by ``read_checkpoint`` (tools/train.py stores it), or None for a
    plain state dict."""
    try:
        data = checkpoint["hyper_parameters"]["config"]
    except (KeyError, TypeError):
        return None
    try:
        return config_from_dict(data)
    except (ConfigError, TypeError) as error:
        raise CheckpointError(f"Checkpoint {path} stores a config this version cannot read: {error}") from None


def read_checkpoint_config(path: str | Path) -> Config | None:
    """The config stored in the checkpoint at ``path``, or None for a plain state dict."""
    return checkpoint_config(read_checkpoint(path), path)
