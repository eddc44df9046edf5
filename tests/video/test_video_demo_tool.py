"""tools/video_demo.py end to end: exit codes, messages, output properties, Ctrl-C in a subprocess."""

import importlib.util
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from .conftest import CONFIG, FRAME_SIZE, ROOT, TINY_OVERRIDES, read_video, write_video

_spec = importlib.util.spec_from_file_location("video_demo", ROOT / "tools" / "video_demo.py")
video_demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(video_demo)


def _demo(weights: Path, input_path, *extra: str) -> int:
    return video_demo.main(
        [str(CONFIG), str(weights), str(input_path), "--threads", "1", *extra, "--set", *TINY_OVERRIDES]
    )


def test_video_in_video_out(tiny_weights: Path, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    video = write_video(tmp_path / "in.avi", 15, fps=20.0)
    assert _demo(tiny_weights, video, "--output", str(tmp_path / "out.mp4"), "--smooth", "0.5", "--show") == 0
    captured = capsys.readouterr()
    assert "--show: no display" in captured.err and "continuing without showing" in captured.err
    for key in (
        "frames read      15",
        "frames written   15",
        "model FPS",
        "end-to-end FPS",
        "flicker",
        "end of the video",
    ):
        assert key in captured.out
    frames, fps = read_video(tmp_path / "out.mp4")
    assert len(frames) == 15 and frames[0].shape[:2] == FRAME_SIZE and fps == 20.0


def test_folder_of_frames_gets_the_fps_option(tiny_weights: Path, tmp_path: Path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for index in range(4):
        cv2.imwrite(str(folder / f"{index:04d}.jpg"), np.full((*FRAME_SIZE, 3), 40 * index, dtype=np.uint8))
    assert _demo(tiny_weights, folder, "--output", str(tmp_path / "out.mp4"), "--fps", "12", "--side-by-side") == 0
    frames, fps = read_video(tmp_path / "out.mp4")
    assert len(frames) == 4 and fps == 12.0 and frames[0].shape[1] == 2 * FRAME_SIZE[1]


def test_truncated_video_exits_3_with_the_frames_read(tiny_weights: Path, tmp_path: Path, capsys):
    data = write_video(tmp_path / "full.avi", 20).read_bytes()
    (tmp_path / "cut.avi").write_bytes(data[: len(data) // 2])
    assert _demo(tiny_weights, tmp_path / "cut.avi", "--output", str(tmp_path / "out.mp4")) == 3
    out = capsys.readouterr().out
    written = len(read_video(tmp_path / "out.mp4")[0])
    assert 0 < written < 20
    assert f"stopped          after frame index {written - 1}: the decoder returned no frame at index {written}" in out


@pytest.mark.parametrize(
    ("input_name", "message"),
    [("missing.mp4", "does not exist"), ("97", "Camera 97 cannot be opened")],
)
def test_bad_input_exits_2_with_one_message(tiny_weights: Path, tmp_path: Path, capsys, input_name: str, message: str):
    spec = input_name if input_name.isdigit() else tmp_path / input_name
    assert _demo(tiny_weights, spec, "--output", str(tmp_path / "out.mp4")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.mp4"))


def test_bad_model_files_exit_2_with_one_message(tiny_weights: Path, tmp_path: Path, capsys):
    video = write_video(tmp_path / "in.avi", 2)
    assert _demo(tmp_path / "missing.ckpt", video, "--output", str(tmp_path / "out.mp4")) == 2
    assert "missing.ckpt does not exist" in capsys.readouterr().err
    assert video_demo.main(["nope.py", str(tiny_weights), str(video)]) == 2
    assert "Config file nope.py does not exist" in capsys.readouterr().err
    assert _demo(tmp_path / "m.onnx", video, "--backend", "torch") == 2
    assert "--backend torch cannot run" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.mp4"))


@pytest.mark.slow  # a fresh interpreter imports torch: seconds on an idle machine
def test_ctrl_c_in_a_subprocess_leaves_a_finished_video(tiny_weights: Path, tmp_path: Path):
    video = write_video(tmp_path / "long.avi", 600)
    out = tmp_path / "out.mp4"
    command = [sys.executable, str(ROOT / "tools" / "video_demo.py"), str(CONFIG), str(tiny_weights), str(video)]
    command += ["--output", str(out), "--threads", "1", "--set", *TINY_OVERRIDES]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Interrupt once the progress bar shows written frames: stderr is read on a thread so the pipe never fills.
    stderr_text: list[str] = []
    progress = threading.Event()

    def read_stderr() -> None:
        for chunk in iter(lambda: process.stderr.read(64), ""):
            stderr_text.append(chunk)
            if re.search(r"\| *[1-9]\d*/600", "".join(stderr_text[-8:])):
                progress.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    assert progress.wait(timeout=120), "".join(stderr_text)
    os.kill(process.pid, signal.SIGINT)
    process.wait(timeout=60)  # stdout holds only the short report, so its pipe cannot fill up
    stdout = process.stdout.read()
    reader.join(timeout=10)
    stderr = "".join(stderr_text)
    assert process.returncode == 130, stderr
    assert "interrupted (Ctrl-C)" in stdout
    frames, _ = read_video(out)
    assert 0 < len(frames) < 600 and f"frames written   {len(frames)} " in stdout
    assert not (tmp_path / ".out.partial.mp4").exists()


def test_an_unwritable_output_is_not_blamed_on_the_codecs(tiny_weights: Path, tmp_path: Path, capsys):
    video = write_video(tmp_path / "in.avi", 2)
    (tmp_path / "file").write_text("x")
    assert _demo(tiny_weights, video, "--output", str(tmp_path / "file" / "out.mp4")) == 2
    err = capsys.readouterr().err
    assert "file/out.mp4 cannot be created" in err and "codec" not in err and "opencv" not in err.lower()
    (tmp_path / "out.mp4").write_bytes(b"an earlier result")
    assert _demo(tiny_weights, video, "--output", str(tmp_path / "out.mp4")) == 2
    assert "already exists; pass --overwrite" in capsys.readouterr().err
    assert (tmp_path / "out.mp4").read_bytes() == b"an earlier result"
    assert _demo(tiny_weights, video, "--output", str(tmp_path / "out.mp4"), "--overwrite") == 0
    assert len(read_video(tmp_path / "out.mp4")[0]) == 2


def test_a_checkpoint_with_its_config_runs_alone_and_a_state_dict_asks_for_one(
    tiny_config, tiny_weights: Path, tmp_path: Path, capsys
):
    import torch

    from seg.config import config_to_dict

    state = torch.load(tiny_weights, map_location="cpu")
    checkpoint = tmp_path / "run.ckpt"
    torch.save({"state_dict": {f"model.{k}": v for k, v in state.items()},
                "hyper_parameters": {"config": config_to_dict(tiny_config)}}, checkpoint)  # fmt: skip
    video = write_video(tmp_path / "in.avi", 3)
    out = tmp_path / "out.avi"
    argv = [str(checkpoint), str(video), "--threads", "1", "--output", str(out), "--legend", "below"]
    assert video_demo.main(argv) == 0
    frames, _ = read_video(out)
    assert len(frames) == 3 and frames[0].shape[0] > FRAME_SIZE[0]  # the legend strip below the frame
    capsys.readouterr()
    assert video_demo.main([str(tiny_weights), str(video), "--output", str(tmp_path / "x.avi")]) == 2
    assert "Pass the config" in capsys.readouterr().err and not (tmp_path / "x.avi").exists()
