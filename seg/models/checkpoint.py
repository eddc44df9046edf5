"""Loading trained weights into a Segmentor: Lightning checkpoints or plain state dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..config import Config, ConfigError, config_from_dict
from ..errors import UserError


class CheckpointError(UserError):
    """A checkpoint cannot be read or does not fit the model; the message names the file and the fix."""


def _read(path: str | Path) -> Any:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"Checkpoint {path} does not exist. Pass a .ckpt written by tools/train.py or a state dict file."
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
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
    """Load ``path`` into ``model``; a checkpoint for another architecture or class count is a clear error."""
    state = model_state_dict(_read(path), path)
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    misshaped = sorted(k for k in set(own) & set(state) if own[k].shape != state[k].shape)
    if not (missing or unexpected or misshaped):
        model.load_state_dict(state)
        return model
    stored = read_checkpoint_config(path)
    hint = ""
    classifier = [k for k in misshaped if "classifier" in k]
    if classifier:
        key = classifier[0]
        hint = (
            f" It was trained for {state[key].shape[0]} classes ({key} {tuple(state[key].shape)}) but the config asks "
            f"for model.num_classes={own[key].shape[0]}."
        )
    if stored is not None:
        m = stored.model
        hint += (
            f" The checkpoint was built with model.backbone={m.backbone!r}, model.head={m.head!r}, "
            f"model.num_classes={m.num_classes}, model.reduced_tail={m.reduced_tail}, model.head_channels={m.head_channels}, "
            f"model.width_mult={m.width_mult}, model.tail_expansion={m.tail_expansion!r}, "
            f"model.low_level_tap={m.low_level_tap!r}, model.gate_bias={m.gate_bias}; use its config (or --set those keys)."
        )
    details = []
    if missing:
        details.append(f"missing keys {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    if unexpected:
        details.append(f"unexpected keys {unexpected[:5]}{' ...' if len(unexpected) > 5 else ''}")
    if misshaped:
        details.append(
            "shape mismatches "
            + ", ".join(f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in misshaped[:5])
        )
    raise CheckpointError(f"Checkpoint {path} does not fit this model: {'; '.join(details)}.{hint}")


def read_checkpoint_config(path: str | Path) -> Config | None:
    """The config stored in a Lightning checkpoint by tools/train.py, or None for a plain state dict."""
    checkpoint = _read(path)
    try:
        data = checkpoint["hyper_parameters"]["config"]
    except (KeyError, TypeError):
        return None
    try:
        return config_from_dict(data)
    except (ConfigError, TypeError) as error:
        raise CheckpointError(f"Checkpoint {path} stores a config this version cannot read: {error}") from None
