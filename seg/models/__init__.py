"""Models: encoders, decoders and the segmentor that joins them."""

from .backbones import BACKBONES, OUTPUT_STRIDES
from .checkpoint import CheckpointError, load_weights, model_state_dict, read_checkpoint_config
from .heads import HEADS
from .registry import Registry
from .segmentor import Segmentor, build_model

__all__ = [
    "BACKBONES",
    "HEADS",
    "OUTPUT_STRIDES",
    "CheckpointError",
    "Registry",
    "Segmentor",
    "build_model",
    "load_weights",
    "model_state_dict",
    "read_checkpoint_config",
]
