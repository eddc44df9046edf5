"""The tools as a user meets them: outputs checked before work, nothing overwritten silently, bad
images skipped and named, a checkpoint that rebuilds its own model, quick --help, no library advertisements."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tools.conftest import REPO, TINY, TOY_CONFIG, run


def _photo(path: Path, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cv2.imwrite(str(path), rng.integers(0, 255, (48, 80, 3), dtype=np.uint8))
    return path


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """a/frame.png and b/frame.png (same name, different pictures), and a broken file between good ones."""
    root = tmp_path_factory.mktemp("photos")
    _photo(root / "a" / "frame.png", 0)
    _photo(root / "b" / "frame.png", 1)
    (root / "b" / "broken.png").write_bytes(b"this is not a png")
    _photo(root / "b" / "last.jpg", 2)
    return root


@pytest.mark.slow
def test_infer_keeps_every_result_skips_bad_images_and_never_overwrites(trained, photos, tmp_path, capsys):
    checkpoint = str(trained / "checkpoints" / "best.ckpt")
    out = tmp_path / "out"
    inputs = [str(photos / "a" / "frame.png"), str(photos / "b")]
    assert run("infer", checkpoint, *inputs, "--output-dir", str(out)) == 3  # no config: the checkpoint's own
    captured = capsys.readouterr()
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.png"))
    assert written == [
        f"{name}_{kind}.png" for name in ("a/frame", "b/frame", "b/last") for kind in ("labels", "mask", "overlay")
    ]
    assert "wrote the masks, overlays and label maps of 3 of 4 images" in captured.out
    assert "skipped 1 image" in captured.err and "broken.png: not a valid image file" in captured.err
    assert "zip" not in captured.err
    # The default legend is a strip beside the picture: the outputs are wider than the 80-pixel image.
    assert cv2.imread(str(out / "a" / "frame_overlay.png")).shape[1] > 80
    first = (out / "a" / "frame_mask.png").read_bytes()
    # The same run again would replace them: refused, before any image, unless --overwrite.
    assert run("infer", checkpoint, *inputs, "--output-dir", str(out)) == 2
    assert "9 output files already exist" in capsys.readouterr().err
    assert run("infer", checkpoint, str(photos / "a"), "--output-dir", str(out), "--overwrite") == 0
    assert (out / "frame_mask.png").is_file() and (out / "a" / "frame_mask.png").read_bytes() == first


@pytest.mark.slow
def test_an_output_that_cannot_be_written_fails_before_any_work(trained, photos, tmp_path, capsys):
    checkpoint = str(trained / "checkpoints" / "best.ckpt")
    (tmp_path / "file").write_text("x")
    assert run("infer", checkpoint, str(photos / "a"), "--output-dir", str(tmp_path / "file" / "out")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "file/out cannot be created" in err and "is a file where a folder should be" in err
    assert run("test", checkpoint, "--json", str(tmp_path / "file" / "scores.json")) == 2
    assert "cannot be created" in capsys.readouterr().err
    assert run("export_onnx", checkpoint, "--output", str(tmp_path / "file" / "m.onnx")) == 2
    assert "cannot be created" in capsys.readouterr().err
    (tmp_path / "m.onnx").write_bytes(b"an earlier export")
    assert run("export_onnx", checkpoint, "--output", str(tmp_path / "m.onnx")) == 2
    assert "already exists; pass --overwrite" in capsys.readouterr().err
    assert (tmp_path / "m.onnx").read_bytes() == b"an earlier export"


@pytest.mark.slow
def test_a_checkpoint_alone_is_evaluated_as_under_its_config(trained, tmp_path, capsys):
    checkpoint = str(trained / "checkpoints" / "last.ckpt")
    assert run("test", checkpoint, "--no-progress", "--json", str(tmp_path / "alone.json")) == 0
    assert run("test", str(trained / "config.py"), checkpoint, "--no-progress", "--json", str(tmp_path / "c.json")) == 0
    alone, with_config = (json.loads((tmp_path / n).read_text()) for n in ("alone.json", "c.json"))
    assert alone["mIoU"] == pytest.approx(with_config["mIoU"]) and alone["mIoU"] is not None
    capsys.readouterr()


@pytest.mark.slow
def test_a_config_or_override_that_changes_the_network_is_refused_unless_allowed(trained, photos, tmp_path, capsys):
    checkpoint = str(trained / "checkpoints" / "best.ckpt")
    image = str(photos / "a" / "frame.png")
    paper_pool = [TOY_CONFIG, checkpoint, image, "--output-dir", str(tmp_path), "--set", *TINY, "model.pool=paper"]
    assert run("infer", *paper_pool) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: Omit the config (the checkpoint rebuilds its own model) or pass {trained}/config.py")
    assert "model.pool='paper' (the checkpoint has 'global')" in err and "--allow-model-mismatch" in err
    assert run("infer", *paper_pool, "--allow-model-mismatch") == 0
    assert "warning: --allow-model-mismatch" in capsys.readouterr().err
    assert run("infer", checkpoint, image, "--output-dir", str(tmp_path), "--set", "model.output_stride=8") == 2
    assert "Drop the --set overrides of model.output_stride" in capsys.readouterr().err


@pytest.mark.slow
def test_training_keeps_an_earlier_run_unless_told_and_checks_its_work_dir(trained, toy_root, tmp_path, capsys):
    before = (trained / "checkpoints" / "best.ckpt").stat().st_mtime_ns
    args = ["--no-progress", "--set", f"data.root={toy_root}", *TINY]
    assert run("train", TOY_CONFIG, "--work-dir", str(trained), *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Pass --resume auto to continue the earlier run") and "--overwrite" in err
    assert (trained / "checkpoints" / "best.ckpt").stat().st_mtime_ns == before
    (tmp_path / "file").write_text("x")
    assert run("train", TOY_CONFIG, "--work-dir", str(tmp_path / "file" / "run"), *args) == 2
    assert "--work-dir" in capsys.readouterr().err


def test_lightning_tips_are_dropped():

    logger = logging.getLogger("lightning.pytorch.utilities.rank_zero")
    record = logging.LogRecord(logger.name, logging.INFO, __file__, 1, "💡 Tip: try installing litlogger", None, None)
    assert not logger.filter(record)
    record.msg = "GPU available: False, used: False"
    assert logger.filter(record)


TOOLS = sorted(p.stem for p in (REPO / "tools").glob("*.py"))
_NO_TORCH = """
import runpy, sys
for tool in sys.argv[1:]:
    sys.argv = [tool, "--help"]
    try:
        runpy.run_path(f"tools/{tool}.py", run_name="__main__")
    except SystemExit:
        pass
    heavy = [m for m in ("torch", "lightning", "onnxruntime", "albumentations") if m in sys.modules]
    assert not heavy, (tool, heavy)
"""


def test_help_answers_before_any_heavy_import():
    # --help and argument errors must not wait for torch (importing it takes 4.5 to 7 s on 2 cores).
    done = subprocess.run(
        [sys.executable, "-c", _NO_TORCH, *TOOLS], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("usage:") == len(TOOLS)
