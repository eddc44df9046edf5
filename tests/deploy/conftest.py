"""The deploy tests' exported small model, shared by the tool, Predictor and INT8 tests.

The tests run models on one thread: on a 2-core machine shared with other jobs, two OpenMP threads
made eager PyTorch up to ~80x slower (every parallel region waits for a descheduled thread).

Each dynamo export costs ~15 s of fixed exporter overhead on this machine, so the tests export twice:
all four decoders behind one tiny encoder (test_export.py), and a real MobileNetV3-Small through the tool (here).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from seg.config import Config, load_config
from seg.models import build_model
from seg.synthetic.toy_cityscapes import make_toy_cityscapes
from seg.synthetic.weights import settle_batchnorm

REPO = Path(__file__).resolve().parents[2]
# Small enough to export and quantize in seconds, with every block type (SE, h-swish) and the paper pool.
SMALL_OVERRIDES = ["model.width_mult=0.35", "model.head_channels=32"]
SMALL_CONFIG = REPO / "configs" / "lraspp_small_cityscapes.py"


@dataclass(frozen=True)
class SmallExport:
    config_path: Path
    overrides: list[str]
    config: Config
    weights: Path
    onnx: Path
    int8: Path
    toy_root: Path
    log: str


@contextlib.contextmanager
def one_thread():
    """PyTorch on one thread inside, the previous (process-wide) count restored after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def single_thread():
    """``one_thread`` for fixtures in test modules (conftest itself is not importable as a module)."""
    return one_thread


@pytest.fixture(autouse=True)
def _one_thread():
    with one_thread():
        yield


@pytest.fixture(scope="session")
def small_config() -> tuple[Path, list[str]]:
    """The small model's config file and overrides, for tools that build it themselves."""
    return SMALL_CONFIG, SMALL_OVERRIDES


@pytest.fixture(scope="session")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> SmallExport:
    """tools/export_onnx.py run once: dynamic export, parity check, INT8 calibrated on a toy set."""
    from export_onnx import main

    tmp = tmp_path_factory.mktemp("small_export")
    toy = make_toy_cityscapes(tmp / "toy", train=6, val=4, seed=0, image_size=(64, 96))
    overrides = [*SMALL_OVERRIDES, f"data.root={toy}"]
    config = load_config(SMALL_CONFIG, overrides)
    torch.manual_seed(0)
    with one_thread():
        model = settle_batchnorm(build_model(config.model), input_size=(64, 96))
    weights = tmp / "weights.pt"
    torch.save(model.state_dict(), weights)
    output = tmp / "model.onnx"
    argv = [str(SMALL_CONFIG), str(weights), "--output", str(output), "--input-size", "64", "96", "--dynamic"]
    argv += [
        "--int8",
        "--calibration",
        str(SMALL_CONFIG),
        "--calibration-images",
        "6",
        "--threads",
        "1",
        "--set",
        *overrides,
    ]
    log = io.StringIO()
    with contextlib.redirect_stdout(log), one_thread():
        assert main(argv) == 0
    return SmallExport(
        SMALL_CONFIG, SMALL_OVERRIDES, config, weights, output, output.with_suffix(".int8.onnx"), toy, log.getvalue()
    )
