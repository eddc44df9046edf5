"""A tiny toy Cityscapes tree shared (read-only) by the data tests; tests that modify a tree copy it."""

import shutil
from pathlib import Path

import pytest

from seg.synthetic.toy_cityscapes import make_toy_cityscapes

TINY_SIZE = (64, 128)


@pytest.fixture(scope="session")
def toy_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_toy_cityscapes(
        tmp_path_factory.mktemp("toy") / "cityscapes", train=4, val=2, seed=0, image_size=TINY_SIZE
    )


@pytest.fixture
def toy_copy(toy_root: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny tree that a test may damage."""
    return Path(shutil.copytree(toy_root, tmp_path / "cityscapes"))
