"""Shared fixtures: short synthetic videos written with OpenCV, and a tiny real model.

The model is configs/lraspp_small_cityscapes.py narrowed (width 0.5, F=32) so it runs at 64x96 in
milliseconds. Its BatchNorm statistics are settled on random images before it is saved
(seg.synthetic.weights): with the initial statistics a random network predicts one class almost
everywhere, and the flicker tests need predictions that react to the input.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from seg.config import Config, load_config
from seg.inference.card import read_card
from seg.inference.predictor import Predictor
from seg.models import build_model
from seg.runtimes.factory import load_predictor
from seg.synthetic.weights import settle_batchnorm

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "lraspp_small_cityscapes.py"
TINY_OVERRIDES = ("model.width_mult=0.5", "model.head_channels=32")
FRAME_SIZE = (64, 96)  # (height, width)


def frame_level(index: int) -> int:
    """The grey level of frame ``index`` in :func:`write_video` (frames are told apart by it)."""
    return 20 + 9 * index


def write_video(
    path: Path, frames: int, fps: float = 25.0, size: tuple[int, int] = FRAME_SIZE, noise: float = 0.0, seed: int = 0
) -> Path:
    """An MJPG .avi: a fixed block pattern whose bottom band has grey level ``frame_level(i)``;
    with ``noise`` > 0 every frame also gets fresh Gaussian noise (a flickery sequence)."""
    height, width = size
    rng = np.random.default_rng(seed)
    pattern = np.kron(rng.integers(0, 255, (height // 8 + 1, width // 8 + 1, 3)), np.ones((8, 8, 1)))[:height, :width]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for index in range(frames):
        frame = pattern + rng.normal(0.0, noise, pattern.shape) if noise else pattern.copy()
        frame[-16:] = frame_level(index)
        writer.write(np.clip(frame, 0, 255).astype(np.uint8))
    writer.release()
    return path


def read_video(path: Path) -> tuple[list[np.ndarray], float]:
    """All frames (BGR) and the frame rate of a video file."""
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), f"{path} does not open"
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames, fps


@pytest.fixture(scope="session")
def tiny_config() -> Config:
    return load_config(CONFIG, TINY_OVERRIDES)


@pytest.fixture(scope="session")
def tiny_weights(tiny_config: Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    model = settle_batchnorm(build_model(tiny_config.model), input_size=FRAME_SIZE)
    path = tmp_path_factory.mktemp("weights") / "tiny_lraspp_small.pt"
    torch.save(model.state_dict(), path)
    return path


@pytest.fixture(scope="session")
def predictor(tiny_config: Config, tiny_weights: Path) -> Predictor:
    return load_predictor(read_card(tiny_weights, tiny_config), backend="torch-channels-last", threads=1)


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """The Predictor sets PyTorch's process-wide thread count; give other tests theirs back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)
