"""The package as a user installs it: a wheel built from the checkout, installed into a fresh venv outside it, runs
its entry points from there, with nothing resolved inside the checkout (the config file is a copy elsewhere)."""

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

# Runs inside the fresh venv, from a temporary folder: the package must come from the wheel, the config from the
# copy, and every step a user's first script takes must work (load, build, forward, checkpoint -> card -> predictor).
SCRIPT = """
import sys
from pathlib import Path

import numpy as np
import torch

import seg
from seg.config import config_to_dict, load_config
from seg.inference.card import read_card
from seg.models import build_model
from seg.runtimes.factory import load_predictor

venv, checkout = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
where = Path(seg.__file__).resolve()
assert where.is_relative_to(venv) and not where.is_relative_to(checkout), where
config = load_config("configs/lraspp_small_cityscapes.py", ["model.width_mult=0.35", "model.head_channels=32"])
torch.manual_seed(0)
model = build_model(config.model).eval()
with torch.inference_mode():
    logits = model(torch.rand(1, 3, 64, 96))
assert logits.shape == (1, config.model.num_classes, 64, 96), logits.shape
state = {f"model.{key}": value for key, value in model.state_dict().items()}
torch.save({"state_dict": state, "hyper_parameters": {"config": config_to_dict(config)}}, "tiny.ckpt")
card = read_card("tiny.ckpt")
predictor = load_predictor(card, threads=1)
labels = predictor.predict(np.zeros((64, 96, 3), dtype=np.uint8))
assert card.config == config and labels.shape == (64, 96), labels.shape
loaded = [name for name, module in sys.modules.items() if name.split(".")[0] == "seg"]
outside = [name for name in loaded if not Path(sys.modules[name].__file__ or venv).resolve().is_relative_to(venv)]
assert not outside, outside
print("ok", where)
"""


def _dependency_paths(checkout: Path) -> list[str]:
    """The running environment's site-packages (torch and the rest). Added as lines of a .pth file, their own .pth
    files (the editable install's finder among them) are never run, so ``seg`` can only come from the wheel, even
    where the environment lies inside the checkout (.ci/run's .venv)."""
    paths = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    return [p for p in dict.fromkeys(paths) if Path(p).is_dir() and Path(p).resolve() != checkout]


@pytest.mark.slow  # a wheel build and a fresh interpreter importing torch: ~30 s
def test_the_wheel_runs_outside_the_checkout(repo, tmp_path):
    checkout = repo.resolve()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    # Built from a copy of what the wheel is made of, so the build leaves nothing behind in the checkout.
    source = tmp_path / "source"
    shutil.copytree(repo / "seg", source / "seg", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(source),
        ],
        check=True,
        cwd=tmp_path,
        env=env,
    )
    (wheel,) = wheels.glob("seg-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        env=env,
    )
    # The dependencies come from the running environment, appended after the venv's own site-packages (a .pth
    # file there): seg resolves from the wheel first, and the checkout's editable install is never loaded.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()
    (Path(purelib) / "seg_test_dependencies.pth").write_text("\n".join(_dependency_paths(checkout)) + "\n")
    work = tmp_path / "user"
    shutil.copytree(repo / "configs", work / "configs")
    (work / "check.py").write_text(textwrap.dedent(SCRIPT))
    result = subprocess.run(
        [str(python), "check.py", str(venv), str(checkout)],
        cwd=work,
        env={**env, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok ")
