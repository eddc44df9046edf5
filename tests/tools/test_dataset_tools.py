"""The folder format end to end through the tools (train, test, check_dataset, browse_dataset), and loader-worker
errors reaching the user as their own message."""

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from replicas import make_folder_dataset
from torch.utils.data import DataLoader, Dataset

from seg.cli import message
from seg.errors import DatasetError

REPO = Path(__file__).resolve().parents[2]
FOLDER_CONFIG = str(REPO / "configs" / "lraspp_small_folder.py")
CLASSES = ("soil", "weed", "crop", "stone")
TINY = [
    "data.augment.crop_size=(48,48)",
    "data.batch_size=2",
    "data.num_workers=0",
    "model.width_mult=0.5",
    "model.head_channels=32",
    "optim.warmup_steps=0",
    "trainer.max_steps=2",
    "trainer.val_every_n_steps=2",
    "trainer.accelerator=cpu",
]


def run(name: str, *argv: str) -> int:
    spec = importlib.util.spec_from_file_location(f"seg_tool_{name}", REPO / "tools" / f"{name}.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool.run_tool(tool.main, list(argv))


@pytest.fixture(scope="module")
def folder_root(tmp_path_factory) -> Path:
    return make_folder_dataset(tmp_path_factory.mktemp("tools") / "fields", CLASSES, {"train": 6, "val": 2})


@pytest.fixture(scope="module")
def trained(folder_root, tmp_path_factory) -> Path:
    work_dir = tmp_path_factory.mktemp("tools") / "run"
    code = run(
        "train", FOLDER_CONFIG, "--work-dir", str(work_dir), "--no-progress", "--set", f"data.root={folder_root}", *TINY
    )
    assert code == 0
    return work_dir


@pytest.mark.slow
def test_folder_dataset_trains_and_reports_under_its_own_class_names(trained, folder_root, tmp_path, capsys):
    metrics = json.loads((trained / "metrics.json").read_text())
    assert list(metrics["per_class_iou"]) == list(CLASSES)
    resolved = (trained / "config.py").read_text()
    assert "'class_names': ('soil', 'weed', 'crop', 'stone')" in resolved and "'num_classes': 4" in resolved
    capsys.readouterr()
    out_json = tmp_path / "scores.json"
    checkpoint = str(trained / "checkpoints" / "last.ckpt")
    assert run("test", str(trained / "config.py"), checkpoint, "--no-progress", "--json", str(out_json)) == 0
    table = capsys.readouterr().out
    assert all(name in table for name in CLASSES)
    assert list(json.loads(out_json.read_text())["per_class_iou"]) == list(CLASSES)


@pytest.mark.slow
def test_worker_errors_reach_the_user_as_their_message(trained, folder_root, tmp_path, capsys):
    root = Path(shutil.copytree(folder_root, tmp_path / "fields"))
    image = sorted((root / "images" / "val").rglob("*.jpg"))[0]
    image.write_bytes(image.read_bytes()[: image.stat().st_size // 2])
    checkpoint = str(trained / "checkpoints" / "last.ckpt")
    overrides = [f"data.root={root}", "data.num_workers=1"]
    assert run("test", str(trained / "config.py"), checkpoint, "--no-progress", "--set", *overrides) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: Cannot read image {image}: the file is truncated")
    assert "Traceback" not in err and "worker process" not in err and err.count("\n") == 1


class _Broken(Dataset):
    def __len__(self) -> int:
        return 2

    def __getitem__(self, index: int):
        raise DatasetError("Label x.png contains ids [7] outside the classes.\nSecond line of the message.")


def test_unwrapping_keeps_the_whole_original_message():
    batches = iter(DataLoader(_Broken(), num_workers=1))
    with pytest.raises(DatasetError) as error:
        next(batches)
    batches._shutdown_workers()  # now, rather than when the garbage collector gets to it (a 5 s wait)
    assert "Caught DatasetError in DataLoader worker process 0" in str(error.value)  # what torch hands back
    assert message(error.value) == "Label x.png contains ids [7] outside the classes.\nSecond line of the message."
    assert message(DatasetError("plain")) == "plain"


def test_check_dataset_finds_the_planted_faults_and_exits_1(folder_root, tmp_path, capsys):
    root = Path(shutil.copytree(folder_root, tmp_path / "fields"))
    images = sorted((root / "images" / "train").rglob("*.jpg"))
    images[0].write_bytes(images[0].read_bytes()[:400])  # truncated
    Image.open(images[1]).crop((0, 0, 50, 40)).save(images[1])  # size mismatch
    mask = next((root / "masks" / "train").rglob(images[2].stem + ".png"))
    label = np.asarray(Image.open(mask)).copy()
    label[5, 5] = 42
    Image.fromarray(label, mode="L").save(mask)  # an id outside the class list
    next((root / "masks" / "train").rglob(images[3].stem + ".png")).unlink()  # missing mask
    capsys.readouterr()
    assert run("check_dataset", FOLDER_CONFIG, "--set", f"data.root={root}", "--no-progress", "--workers", "2") == 1
    captured = capsys.readouterr()
    out = captured.out
    assert "[train] 5 pairs, 4 problem(s)" in out and "[val] 2 pairs, 0 problem(s)" in out
    for path in (images[0], images[1], mask, images[3]):
        assert str(path) in out
    assert "contains ids [42]" in out and "4 problem(s) found" in out
    assert "Traceback" not in captured.err + out
    assert all(f"    {name}" in out for name in CLASSES)  # the pixel share of each class
    assert run("check_dataset", FOLDER_CONFIG, "--set", f"data.root={folder_root}", "--no-progress") == 0


def test_training_stops_in_seconds_on_a_broken_file(folder_root, tmp_path, capsys):
    root = Path(shutil.copytree(folder_root, tmp_path / "fields"))
    image = sorted((root / "images" / "train").rglob("*.jpg"))[0]
    image.write_bytes(image.read_bytes()[:400])
    code = run("train", FOLDER_CONFIG, "--work-dir", str(tmp_path / "run"), "--set", f"data.root={root}", *TINY)
    assert code == 2
    err = capsys.readouterr().err
    assert "has 1 problem(s)" in err and str(image) in err and "Traceback" not in err
    assert not (tmp_path / "run" / "checkpoints").exists()


@pytest.mark.parametrize("augmented", [False, True])
def test_browse_dataset_writes_a_grid_with_a_legend(folder_root, tmp_path, augmented):
    output = tmp_path / "grid.png"
    argv = [FOLDER_CONFIG, "--set", f"data.root={folder_root}", "-n", "4", "--columns", "2", "--tile-width", "96"]
    argv += ["--output", str(output)] + (
        ["--augmented", "--set", "data.augment.crop_size=(48,48)"] if augmented else []
    )
    assert run("browse_dataset", *argv) == 0
    grid = np.asarray(Image.open(output).convert("RGB"))
    tile_height = 96 if augmented else 64  # 48x48 crops, or 64x96 images, shown 96 wide
    assert grid.shape[0] == 2 * tile_height and grid.shape[1] > 2 * 96  # two rows of two, and the legend
    legend = grid[:, 2 * 96 :]
    assert (legend < 128).any()  # names were written
    assert torch.is_tensor(torch.from_numpy(grid))
