"""tools/train.py, test.py, infer.py and print_config.py on a tiny toy set, called as users call them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seg.classes import PALETTE
from seg.data.io import decode_label
from seg.inference.cityscapes_eval import evaluate_official
from tools.conftest import REPO, TINY, TOY_CONFIG, run


@pytest.mark.slow
def test_train_tool_writes_metrics_and_test_tool_matches_official_evaluator(trained, toy_root, tmp_path, capsys):
    metrics = json.loads((trained / "metrics.json").read_text())
    assert metrics["step"] == 4
    capsys.readouterr()
    out_json, results = tmp_path / "scores.json", tmp_path / "results"
    code = run(
        "test", str(trained / "config.py"), str(trained / "checkpoints" / "last.ckpt"), "--no-progress",
        "--json", str(out_json), "--cityscapes-results", str(results),
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "mIoU" in printed and "inference: whole image, single scale" in printed
    report = json.loads(out_json.read_text())
    assert set(report) >= {"mIoU", "per_class_iou", "pixel_accuracy", "inference"}
    assert report["mIoU"] == pytest.approx(metrics["mIoU"], abs=1e-3)  # test.py on last.ckpt = training's last val
    assert f"mIoU {report['mIoU']:.2f}%" in printed
    # The official cityscapesscripts evaluator scores the written PNGs to the same number.
    official = evaluate_official(results, toy_root, split="val")
    assert official["num_images"] == 2 and sorted(p.name for p in results.iterdir()) == sorted(
        p.name for p in (toy_root / "leftImg8bit" / "val").rglob("*_leftImg8bit.png")
    )
    assert official["miou"] == pytest.approx(report["mIoU"], abs=0.01)
    for name, iou in report["per_class_iou"].items():
        assert (iou is None) == (official["per_class_iou"][name] is None)
        if iou is not None:
            assert official["per_class_iou"][name] == pytest.approx(iou, abs=0.01)


@pytest.mark.slow
def test_infer_writes_palette_masks_and_overlays(trained, toy_root, tmp_path):
    val = toy_root / "leftImg8bit" / "val"
    code = run(
        "infer", str(trained / "config.py"), str(trained / "checkpoints" / "best.ckpt"), str(val),
        "--output-dir", str(tmp_path), "--legend", "none",
    )  # fmt: skip
    assert code == 0
    images = sorted(val.rglob("*.png"))
    # Names keep the path relative to the input folder: <city>/<stem>_mask.png.
    expected = {f"{p.parent.name}/{p.stem}_{kind}.png" for p in images for kind in ("mask", "overlay", "labels")}
    assert {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.png")} == expected
    mask_path = tmp_path / images[0].parent.name / f"{images[0].stem}_mask.png"
    mask = np.asarray(Image.open(mask_path).convert("RGB"))
    assert mask.shape[:2] == (64, 128)  # --legend none: the mask alone, at the image's size
    assert {tuple(c) for c in np.unique(mask.reshape(-1, 3), axis=0)} <= {tuple(c) for c in PALETTE}
    # The label map file: one channel of class ids, whose colours are the mask.
    labels = decode_label(mask_path.with_name(f"{images[0].stem}_labels.png"))
    np.testing.assert_array_equal(np.asarray(PALETTE)[labels], mask)


@pytest.mark.slow
def test_a_checkpoint_under_another_architecture_is_refused_with_the_fix_first(trained, capsys):
    code = run(
        "test",
        str(trained / "config.py"),
        str(trained / "checkpoints" / "best.ckpt"),
        "--set",
        "model.backbone=mobilenet_v3_large",
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Omit the config (the checkpoint rebuilds its own model) or pass ")
    assert "model.backbone='mobilenet_v3_large' (the checkpoint has 'mobilenet_v3_small')" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("tool", ["train", "test", "infer", "print_config"])
def test_tools_exit_2_with_message_on_bad_config_key_or_missing_file(tool, tmp_path, capsys):
    extra = {"train": [], "test": ["x.ckpt"], "infer": ["x.ckpt", "y.png"], "print_config": []}[tool]
    extra = [str(tmp_path / name) for name in extra]
    for path in extra:
        Path(path).touch()  # present: the config's own error comes first
    assert run(tool, TOY_CONFIG, *extra, "--set", "model.outputstride=8") == 2
    err = capsys.readouterr().err
    assert "Unknown config key 'model.outputstride': did you mean --set model.output_stride=8?" in err
    assert "Traceback" not in err
    assert run(tool, str(tmp_path / "missing.py"), *extra) == 2
    assert "does not exist" in capsys.readouterr().err


def test_print_config_shows_overrides(capsys):
    assert run("print_config", TOY_CONFIG, "--set", "trainer.max_steps=600") == 0
    out = capsys.readouterr().out
    assert "trainer.max_steps = 600" in out and "data.dataset = 'toy'" in out


@pytest.mark.slow
def test_two_process_cpu_ddp_run_writes_metrics(toy_root, tmp_path):
    """trainer.devices=2 on the CPU: Lightning launches a second process (gloo); rank 0 writes metrics.json."""
    work_dir = tmp_path / "ddp"
    command = [
        sys.executable,
        str(REPO / "tools" / "train.py"),
        TOY_CONFIG,
        "--work-dir",
        str(work_dir),
        "--no-progress",
    ]
    command += ["--set", f"data.root={toy_root}", *TINY, "trainer.devices=2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Initializing distributed: GLOBAL_RANK: 1, MEMBER: 2/2" in done.stderr + done.stdout
    metrics = json.loads((work_dir / "metrics.json").read_text())
    assert metrics["step"] == 4 and (work_dir / "checkpoints" / "last.ckpt").is_file()


MISSING_INPUT = """
import runpy, sys
sys.argv = [{tool!r}, *{argv!r}]
try:
    runpy.run_path({tool!r}, run_name="__main__")
except SystemExit as stop:
    print("exit", stop.code, "torch loaded:", "torch" in sys.modules)
"""


@pytest.mark.parametrize(
    ("tool", "argv", "named"),
    [
        ("test", ["missing.ckpt"], "model missing.ckpt does not exist"),
        ("infer", ["missing.ckpt", "photos/"], "model missing.ckpt does not exist; input photos/ does not exist"),
        ("train", [TOY_CONFIG, "--resume", "missing.ckpt"], "--resume missing.ckpt does not exist"),
        (
            "train",
            [str(REPO / "configs" / "lraspp_small_cityscapes.py"), "--set", "data.root=nope"],
            "data.root nope does",
        ),
        (
            "train",
            [str(REPO / "configs" / "lraspp_small_folder.py"), "--set", "data.root=nope"],
            "needs nope/classes.txt",
        ),
    ],
)
def test_a_missing_input_is_reported_before_torch_is_imported(tool, argv, named, tmp_path):
    script = MISSING_INPUT.format(tool=str(REPO / "tools" / f"{tool}.py"), argv=argv)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "exit 2 torch loaded: False" in done.stdout, done.stdout + done.stderr
    assert named in done.stderr
