"""datasets/*.py are scripts (not a package); load their main() from the file."""

import importlib.util
from pathlib import Path

import pytest

from seg.synthetic.toy_cityscapes import read_toy_marker

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def _main(name: str):
    spec = importlib.util.spec_from_file_location(name, DATASETS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return lambda argv: module.run_tool(module.main, argv)  # as `python datasets/NAME.py ARGS` runs it


def test_make_toy_then_prepare(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    root = tmp_path / "toy"
    args = ["--root", str(root), "--train", "2", "--val", "1", "--seed", "3", "--height", "64", "--width", "128"]
    assert _main("make_toy_cityscapes")(args) == 0
    assert read_toy_marker(root)["seed"] == 3
    trainids = sorted(root.glob("gtFine/*/*/*_labelTrainIds.png"))
    before = [p.read_bytes() for p in trainids]
    for path in trainids:
        path.unlink()
    assert _main("prepare_cityscapes")([str(root)]) == 0
    assert [p.read_bytes() for p in trainids] == before
    assert "Wrote 3 *_labelTrainIds.png" in capsys.readouterr().out


def test_bad_input_exits_nonzero_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert _main("prepare_cityscapes")([str(tmp_path / "missing")]) == 2  # seg.cli's exit code for a user error
    assert "does not exist" in capsys.readouterr().err
    assert _main("make_toy_cityscapes")(["--root", str(tmp_path), "--train", "0", "--val", "0"]) == 2
    assert "positive number of images" in capsys.readouterr().err
