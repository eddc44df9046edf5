"""The tools tests' tiny toy set and one short training run (4 steps), shared by the tool test modules."""

import importlib.util
from pathlib import Path

import pytest
from support import TINY_RUN

from seg.synthetic.toy_cityscapes import make_toy_cityscapes

REPO = Path(__file__).resolve().parents[2]
TOY_CONFIG = str(REPO / "configs" / "lraspp_small_toy.py")
TINY = list(TINY_RUN)  # tests/support.py: the tiny run the training tests use too


def load_tool(name: str):
    """Import tools/NAME.py under a private module name (tools/test.py would clash with `test`)."""
    spec = importlib.util.spec_from_file_location(f"seg_tool_{name}", REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(name: str, *argv: str) -> int:
    tool = load_tool(name)
    return tool.run_tool(tool.main, list(argv))


@pytest.fixture(scope="session")
def toy_root(tmp_path_factory) -> Path:
    return make_toy_cityscapes(tmp_path_factory.mktemp("tools") / "toy", train=4, val=2, seed=0, image_size=(64, 128))


@pytest.fixture(scope="session")
def trained(toy_root, tmp_path_factory) -> Path:
    work_dir = tmp_path_factory.mktemp("tools") / "run"
    code = run(
        "train", TOY_CONFIG, "--work-dir", str(work_dir), "--no-progress", "--set", f"data.root={toy_root}", *TINY
    )
    assert code == 0
    return work_dir
