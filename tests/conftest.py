"""Shared test settings: CPU only, deterministic, few threads (the suite runs on 2 cores)."""

import os
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
# tools/ are scripts, not a package; tests import their main() from here.
sys.path.insert(0, str(REPO / "tools"))
# Shared test constants (tests/support.py), importable from any test module.
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("OMP_NUM_THREADS", "2")
torch.set_num_threads(2)


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture
def repo() -> Path:
    return REPO
