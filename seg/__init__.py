"""seg: real-time semantic segmentation with MobileNetV3 and Lite R-ASPP ("Searching for MobileNetV3", ICCV 2019).

``build_model`` loads on first use, so ``seg.cli`` and ``seg.config`` (what a tool needs to parse its
arguments and answer ``--help``) import without torch.
"""

from seg.config import Config, load_config

__version__ = "0.1.0"
__all__ = ["Config", "build_model", "load_config"]


def __getattr__(name: str):
    if name == "build_model":
        from seg.models import build_model

        return build_model
    raise AttributeError(f"module 'seg' has no attribute {name!r}")
