from pathlib import Path

import cv2
import numpy as np
import pytest

from seg.video.display import open_window
from seg.video.io import VideoInputError, VideoOutput, VideoOutputError, open_source

from .conftest import FRAME_SIZE, read_video, write_video


def _drain(source) -> int:
    while source.read() is not None:
        pass
    return source.frames_read


def test_folder_is_read_in_name_order_at_the_given_fps(tmp_path: Path):
    for index in (2, 0, 1):
        cv2.imwrite(str(tmp_path / f"frame_{index:03d}.png"), np.full((8, 12, 3), 50 * index, dtype=np.uint8))
    (tmp_path / "notes.txt").write_text("not a frame")
    source = open_source(str(tmp_path), fps=12.0)
    assert (source.info.fps, source.info.frame_count, source.info.frame_size) == (12.0, 3, (8, 12))
    assert [int(source.read()[0, 0, 0]) for _ in range(3)] == [0, 50, 100]
    assert source.read() is None and source.stop_reason == "end of the folder" and not source.failed


def test_a_truncated_frame_in_a_folder_stops_the_source_with_the_readers_reason(tmp_path: Path):
    # A JPEG cut short decodes grey-filled in OpenCV; the one image reader catches it from its end marker.
    for index in range(3):
        cv2.imwrite(str(tmp_path / f"frame_{index:03d}.jpg"), np.full((8, 12, 3), 80, dtype=np.uint8))
    broken = tmp_path / "frame_001.jpg"
    broken.write_bytes(broken.read_bytes()[:-40])
    source = open_source(str(tmp_path), fps=10.0)
    assert _drain(source) == 1 and source.failed
    assert "frame 1 (frame_001.jpg)" in source.stop_reason and "truncated" in source.stop_reason


def test_truncated_video_is_read_up_to_the_break(tmp_path: Path):
    data = write_video(tmp_path / "full.avi", 20).read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    source = open_source(str(cut))
    read = _drain(source)
    assert 0 < read < 20 and source.failed
    assert f"no frame at index {read}" in source.stop_reason and "truncated or corrupt" in source.stop_reason


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.mp4", "does not exist"),
        (lambda d: (d / "empty").mkdir() or d / "empty", "holds no image files"),
        (lambda d: (d / "text.mp4").write_text("hello") and d / "text.mp4", "cannot be opened as a video"),
    ],
)
def test_bad_inputs_give_one_clear_message(tmp_path: Path, make, message: str):
    with pytest.raises(VideoInputError, match=message):
        open_source(str(make(tmp_path)))


def test_unopenable_camera_gives_one_clear_message():
    with pytest.raises(VideoInputError, match=r"Camera 97 cannot be opened.*/dev/video"):
        open_source("97")


def test_writer_falls_back_to_the_next_codec(tmp_path: Path):
    frame = np.zeros((*FRAME_SIZE, 3), dtype=np.uint8)
    output = VideoOutput(tmp_path / "out.mp4", 25.0, FRAME_SIZE, codecs=(("XXXX", ".mp4"), ("MJPG", ".avi")))
    assert output.path == tmp_path / "out.avi" and output.codec == "MJPG in .avi" and "XXXX in .mp4" in output.note
    for _ in range(3):
        output.write(frame)
    assert output.finish() == tmp_path / "out.avi"
    frames, fps = read_video(tmp_path / "out.avi")
    assert len(frames) == 3 and fps == 25.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.avi"]  # no temporary or probe file left


def test_writer_errors_and_leaves_nothing(tmp_path: Path):
    with pytest.raises(VideoOutputError, match="No codec could write"):
        VideoOutput(tmp_path / "out.mp4", 25.0, FRAME_SIZE, codecs=(("XXXX", ".mp4"),))
    output = VideoOutput(tmp_path / "out.mp4", 25.0, FRAME_SIZE)
    with pytest.raises(VideoOutputError, match="No frame was written"):
        output.finish()
    wrong_size = VideoOutput(tmp_path / "b.mp4", 25.0, FRAME_SIZE)
    with pytest.raises(VideoOutputError, match="96x64"):
        wrong_size.write(np.zeros((10, 10, 3), dtype=np.uint8))
    wrong_size.discard()
    assert list(tmp_path.iterdir()) == []


def test_show_explains_why_no_window_opens(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert open_window() == (None, "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(cv2, "getBuildInformation", lambda: "  Video I/O:\n  GUI:                           NONE\n")
    show, message = open_window()
    assert show is None and "no GUI support" in message
