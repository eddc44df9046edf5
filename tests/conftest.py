"""Shared test settings and fixtures: CPU only, deterministic, few threads (the suite runs on 2 cores).

Tests run models on one thread: on a 2-core machine shared with other jobs, two OpenMP threads make eager
PyTorch up to ~80x slower (every parallel region waits for a descheduled thread).

``small_export``: a real MobileNetV3-Small, trained briefly and exported through the tool, shared by the
predictor, export, INT8 and tool tests (each dynamo export costs ~15 s of fixed exporter overhead).
"""

import contextlib
import io
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from seg.config import Config, load_config
from seg.data.cityscapes import CityscapesDataset
from seg.data.normalize import Normalizer
from seg.models import build_model
from seg.synthetic.toy_cityscapes import make_toy_cityscapes
from seg.train.losses import SegmentationLoss

REPO = Path(__file__).resolve().parents[1]
# tools/ are scripts, not a package; tests import their main() from here.
sys.path.insert(0, str(REPO / "tools"))
# Shared test constants (tests/support.py), importable from any test module.
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("OMP_NUM_THREADS", "2")
torch.set_num_threads(2)


# Fixtures that train or export (seconds to minutes each). Every test that uses one, directly or through another
# fixture, is marked slow, so that `pytest -m "not slow"` neither trains nor exports; collection enforces it.
EXPENSIVE_FIXTURES = ("small_export", "trained", "finished_run", "exported")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = [
        f"  {item.nodeid} uses {name}"
        for item in items
        for name in EXPENSIVE_FIXTURES
        if name in getattr(item, "fixturenames", ()) and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "Mark these tests @pytest.mark.slow (their fixture trains or exports):\n" + "\n".join(unmarked)
        )


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def toy_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny toy Cityscapes tree (4 train, 2 val images, 64x128), shared read-only; a test that damages it
    takes ``toy_copy``."""
    return make_toy_cityscapes(
        tmp_path_factory.mktemp("toy") / "cityscapes", train=4, val=2, seed=0, image_size=(64, 128)
    )


@pytest.fixture
def toy_copy(toy_root: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny tree that a test may damage."""
    return Path(shutil.copytree(toy_root, tmp_path / "cityscapes"))


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


def fit_briefly(model: torch.nn.Module, config: Config, root: Path, steps: int = 150) -> torch.nn.Module:
    """Fit the toy training images for ``steps`` SGD steps (~10 s on one thread): real class margins, so the
    INT8 and export checks measure what they measure on a trained network, not on random-weight noise."""
    dataset = CityscapesDataset(root, config.data.train_split)
    images = torch.stack([dataset[i]["image"] for i in range(len(dataset))])
    labels = torch.stack([dataset[i]["label"] for i in range(len(dataset))])
    inputs = Normalizer(config.data.mean, config.data.std)(images)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = SegmentationLoss(config.model.num_classes)
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(model(inputs), labels).backward()
        optimizer.step()
    return model.eval()


@pytest.fixture(scope="session")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> SmallExport:
    """tools/export_onnx.py run once on a briefly trained model: dynamic export, parity check, INT8 calibrated on a toy set."""
    from export_onnx import main

    tmp = tmp_path_factory.mktemp("small_export")
    toy = make_toy_cityscapes(tmp / "toy", train=6, val=4, seed=0, image_size=(64, 96))
    overrides = [*SMALL_OVERRIDES, f"data.root={toy}"]
    config = load_config(SMALL_CONFIG, overrides)
    torch.manual_seed(0)
    with one_thread():
        model = fit_briefly(build_model(config.model), config, toy)
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


HELD_OUT = 32  # toy val images no deploy test model trained or calibrated on (64x96, like its training images)


@pytest.fixture(scope="session")
def held_out(small_export: SmallExport, tmp_path_factory: pytest.TempPathFactory) -> list:
    """HELD_OUT toy scenes of another seed, as (image, label) samples: 8x the pixels of the fixture's four val
    images, for the INT8 agreement floors (tests/export/test_quantize.py, test_openvino.py)."""
    import dataclasses

    from seg.data.samples import dataset_samples

    root = make_toy_cityscapes(tmp_path_factory.mktemp("held_out"), train=0, val=HELD_OUT, seed=1, image_size=(64, 96))
    config = small_export.config
    config = dataclasses.replace(config, data=dataclasses.replace(config.data, root=str(root)))
    return dataset_samples(config, config.data.val_split, HELD_OUT)
