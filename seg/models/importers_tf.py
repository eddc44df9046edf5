"""The authors' TensorFlow checkpoints (DeepLab model zoo, MobileNetV3 LR-ASPP) as checkpoints of ours.

The zoo's ``deeplab_mnv3_{large,small}_cityscapes_trainfine_2019_11_15.tar.gz`` hold a checkpoint of the graph
``research/deeplab/model.py`` builds with ``--model_variant=mobilenet_v3_{large,small}_seg`` and the LR-ASPP flags
(configs/lraspp_{large,small}_cityscapes_released.py build the same network). Every variable maps to one tensor
of our Segmentor (:func:`tf_names`): slim's ``weights`` (HWIO) transposed to PyTorch's OIHW, ``depthwise_weights``
([k, k, C, 1]) to [C, 1, k, k], ``BatchNorm/{gamma,beta,moving_mean,moving_variance}`` to
``{weight,bias,running_mean,running_var}``, ``biases`` as they are. A variable left over, missing or of another
shape is refused by name. ``global_step`` and optimizer slots are training state and are skipped.

tests/fixtures/tf/build.py runs the authors' own graph to make the fixtures tests/models/test_tf_import.py
compares against.
"""

from __future__ import annotations

import re
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torchvision.ops import SqueezeExcitation

from seg.config import Config, config_to_dict, load_config
from seg.models.backbones.common import InvertedResidualBase
from seg.models.checkpoint import CheckpointError
from seg.models.segmentor import Segmentor, build_model
from seg.models.tf_checkpoint import TFCheckpointError, read_bundle, read_checkpoint

# The config (configs/NAME.py) that builds each released network, found by the checkpoint's last block.
RELEASED_CONFIGS = {"large": "lraspp_large_cityscapes_released", "small": "lraspp_small_cityscapes_released"}
# Training state in a checkpoint, not part of the network.
_TRAINING_STATE = re.compile(r"(^global_step$)|(/(Momentum|Adam|Adam_1|RMSProp|RMSProp_1)$)|(^beta[12]_power$)")
_BATCHNORM = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean", "running_var": "moving_variance"}


def tf_names(model: Segmentor) -> dict[str, str]:
    """Our state-dict key -> the authors' variable name, for every tensor but ``num_batches_tracked``."""
    names: dict[str, str] = {}
    features = model.backbone.features
    for i, layer in enumerate(features):
        prefix = f"backbone.features.{i}"
        if isinstance(layer, InvertedResidualBase):
            # slim names the k-th expanded_conv "expanded_conv", "expanded_conv_1", ...
            scope = "MobilenetV3/expanded_conv" + (f"_{i - 1}" if i > 1 else "")
            _block_names(names, f"{prefix}.{layer.LAYERS}", layer, scope)
        else:  # the stem ("Conv") and the last 1x1 conv ("Conv_1"): slim.conv2d without a scope
            _conv_bn_names(names, prefix, "MobilenetV3/" + ("Conv" if i == 0 else "Conv_1"))
    _conv_bn_names(names, "head.cbr", "aspp0")  # model.py extract_features: ASPP_SCOPE + "0"
    names["head.scale.0.weight"] = "image_pooling/weights"  # the gate, with bias (normalizer_fn=None)
    names["head.scale.0.bias"] = "image_pooling/biases"
    names["head.low_classifier.weight"] = "decoder/feature_projection0/weights"  # refine_by_decoder
    names["head.low_classifier.bias"] = "decoder/feature_projection0/biases"
    names["head.high_classifier.weight"] = "decoder/decoder_conv0/weights"  # _decoder_with_sum_merge
    names["head.high_classifier.bias"] = "decoder/decoder_conv0/biases"
    return names


def _block_names(names: dict[str, str], prefix: str, block: InvertedResidualBase, scope: str) -> None:
    layers = list(block.layers)
    for j, layer in enumerate(layers):
        if isinstance(layer, SqueezeExcitation):  # conv_blocks.squeeze_excite: two slim.conv2d with biases
            for ours, theirs in (("fc1", "Conv"), ("fc2", "Conv_1")):
                names[f"{prefix}.{j}.{ours}.weight"] = f"{scope}/squeeze_excite/{theirs}/weights"
                names[f"{prefix}.{j}.{ours}.bias"] = f"{scope}/squeeze_excite/{theirs}/biases"
        elif j == block.depthwise_index:
            names[f"{prefix}.{j}.0.weight"] = f"{scope}/depthwise/depthwise_weights"
            for ours, theirs in _BATCHNORM.items():
                names[f"{prefix}.{j}.1.{ours}"] = f"{scope}/depthwise/BatchNorm/{theirs}"
        else:
            _conv_bn_names(names, f"{prefix}.{j}", f"{scope}/{'expand' if j < block.depthwise_index else 'project'}")


def _conv_bn_names(names: dict[str, str], prefix: str, scope: str) -> None:
    names[f"{prefix}.0.weight"] = f"{scope}/weights"
    for ours, theirs in _BATCHNORM.items():
        names[f"{prefix}.1.{ours}"] = f"{scope}/BatchNorm/{theirs}"


def to_torch(name: str, value: np.ndarray) -> torch.Tensor:
    """A TensorFlow variable in PyTorch's layout: HWIO -> OIHW, depthwise [k, k, C, 1] -> [C, 1, k, k]."""
    if value.ndim == 4:
        value = value.transpose(2, 3, 0, 1) if name.endswith("depthwise_weights") else value.transpose(3, 2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))


def read_source(path: str | Path) -> tuple[dict[str, np.ndarray], str]:
    """The tensors of a TensorFlow checkpoint given as the downloaded tarball, its extracted folder, a prefix
    (``model.ckpt-NNN``) or one of the prefix's files; also the prefix, for messages."""
    path = Path(path)
    if path.is_file() and tarfile.is_tarfile(path):
        return _read_tarball(path)
    if path.is_dir():
        return read_checkpoint(_one_prefix(sorted(path.rglob("*.index")), path)), str(path)
    prefix = re.sub(r"\.(index|data-\d{5}-of-\d{5})$", "", str(path))
    if not Path(f"{prefix}.index").is_file():
        raise TFCheckpointError(
            f"{path} is not a TensorFlow checkpoint: pass the model zoo tarball (.tar.gz), the folder it extracts "
            "to, or the checkpoint prefix model.ckpt-NNN beside its .index and .data files."
        )
    return read_checkpoint(prefix), prefix


def is_tf_source(path: str | Path) -> bool:
    """Whether ``path`` looks like a TensorFlow checkpoint (tarball, folder, prefix) rather than a PyTorch file."""
    path = Path(path)
    if path.is_dir() or Path(f"{re.sub(r'[.](index|data-[0-9-of]+)$', '', str(path))}.index").is_file():
        return True
    return path.is_file() and tarfile.is_tarfile(path)


def _one_prefix(indexes: list, where: Path | str) -> str:
    if len(indexes) != 1:
        found = ", ".join(str(i) for i in indexes) or "none"
        raise TFCheckpointError(f"{where} should hold one TensorFlow checkpoint (one .index file); found {found}.")
    return re.sub(r"\.index$", "", str(indexes[0]))


def _read_tarball(path: Path) -> tuple[dict[str, np.ndarray], str]:
    try:
        with tarfile.open(path) as tar:
            members = {m.name: m for m in tar.getmembers() if m.isfile()}
            prefix = _one_prefix(sorted(n for n in members if n.endswith(".index")), path)

            def read(name: str) -> bytes:
                if name not in members:
                    raise TFCheckpointError(f"{path} has {prefix}.index but not {name}: the tarball is incomplete.")
                return tar.extractfile(members[name]).read()  # type: ignore[union-attr]

            index = read(f"{prefix}.index")
            tensors = read_bundle(index, lambda i, n: read(f"{prefix}.data-{i:05d}-of-{n:05d}"), f"{path}:{prefix}")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise TFCheckpointError(f"{path} cannot be read as a tarball ({error}); download it again.") from None
    return tensors, f"{path}:{prefix}"


def released_config(tensors: dict[str, np.ndarray], name: str) -> str:
    """The name of the released config whose network the checkpoint holds: Large has 15 expanded_convs, Small 11."""
    if "MobilenetV3/Conv/weights" not in tensors:
        shown = ", ".join(sorted(tensors)[:3])
        raise TFCheckpointError(
            f"{name} is a TensorFlow checkpoint of another network (no MobilenetV3/Conv/weights; it holds e.g. "
            f"{shown}). Only the DeepLab model zoo's mobilenetv3_{{large,small}}_cityscapes_trainfine are read."
        )
    arch = "large" if "MobilenetV3/expanded_conv_14/project/weights" in tensors else "small"
    return RELEASED_CONFIGS[arch]


def import_tf_checkpoint(
    path: str | Path, config: Config | None = None, configs_dir: str | Path | None = None
) -> tuple[dict[str, Any], Config]:
    """The checkpoint (and the config it stores) for the authors' TensorFlow checkpoint at ``path``.

    ``config`` defaults to the released config of the checkpoint's network, read from ``configs_dir``
    (the tool passes the checkout's configs/). Raises :class:`CheckpointError` naming the variables when the
    checkpoint does not fit the config's model.
    """
    tensors, name = read_source(path)
    if config is None:
        if configs_dir is None:
            raise ValueError("import_tf_checkpoint needs a config or the folder of the released configs.")
        config = load_config(Path(configs_dir) / f"{released_config(tensors, name)}.py")
    else:
        released_config(tensors, name)  # another network altogether is refused before any shape is compared
    model = build_model(config.model)
    own = model.state_dict()
    names = tf_names(model)
    state: dict[str, torch.Tensor] = {}
    missing, misshaped = [], []
    for key, variable in names.items():
        if variable not in tensors:
            missing.append(variable)
            continue
        value = to_torch(variable, tensors[variable])
        if value.shape != own[key].shape:
            misshaped.append(
                f"{variable} {tuple(tensors[variable].shape)} (this model needs {_tf_shape(own[key], variable)})"
            )
        state[key] = value
    used = set(names.values())
    leftover = sorted(v for v in tensors if v not in used and not _TRAINING_STATE.search(v))
    problems = []
    if leftover:
        problems.append(f"{len(leftover)} variables this model has no place for, e.g. {', '.join(leftover[:3])}")
    if missing:
        problems.append(f"{len(missing)} of this model's variables are missing, e.g. {', '.join(missing[:3])}")
    if misshaped:
        problems.append(f"{len(misshaped)} variables have another shape, e.g. {'; '.join(misshaped[:2])}")
    if problems:
        raise CheckpointError(
            f"{name} does not fit the model of config {config.name!r}: {'; '.join(problems)}. A released checkpoint "
            f"needs its own config ({', '.join(f'configs/{n}.py' for n in RELEASED_CONFIGS.values())}), which is the "
            "default without --config."
        )
    for key, tensor in own.items():  # BatchNorm's step counters have no TensorFlow counterpart
        if key.endswith("num_batches_tracked"):
            state[key] = torch.zeros_like(tensor)
    model.load_state_dict(state)  # strict: every tensor of the model is set
    checkpoint = {
        "state_dict": {f"model.{k}": v for k, v in state.items()},
        "hyper_parameters": {"config": config_to_dict(config)},
        "imported_from": {"source": "tensorflow", "file": str(path)},
    }
    return checkpoint, config


def _tf_shape(tensor: torch.Tensor, variable: str) -> tuple[int, ...]:
    """Our tensor's shape as the TensorFlow variable would have it."""
    if tensor.ndim != 4:
        return tuple(tensor.shape)
    order = (2, 3, 0, 1) if variable.endswith("depthwise_weights") else (2, 3, 1, 0)
    return tuple(tensor.shape[i] for i in order)


__all__ = ["import_tf_checkpoint", "is_tf_source", "read_source", "released_config", "tf_names", "to_torch"]
