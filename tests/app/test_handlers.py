"""The web demo's handlers without a browser or Gradio: uploads within limits, the label map of tools/infer.py's
path, class areas, the label PNG, videos through the video pipeline, the webcam session, the examples."""

from __future__ import annotations

import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from seg.app.examples import example_images
from seg.app.page import ImageTab
from seg.app.segmenter import Segmenter
from seg.app.uploads import UploadError, UploadLimits, read_upload
from seg.app.video import segment_video
from seg.app.webcam import WebcamSession
from seg.config import load_config
from seg.data.io import decode_label
from seg.inference.card import read_card
from seg.runtimes.factory import load_predictor
from seg.synthetic.toy_cityscapes import make_toy_cityscapes

LIMITS = UploadLimits(max_megapixels=1.0, max_file_mb=5, max_video_frames=6)


@pytest.fixture(scope="module")
def segmenter(tiny_model) -> Segmenter:
    config = load_config(tiny_model.config, tiny_model.overrides)
    return Segmenter(load_predictor(read_card(tiny_model.weights, config), threads=1, fast_labels=True), "tiny.pt")


def huge_png_header(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width`` x ``height`` but whose data is tiny: must be refused before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )
    return path


def test_uploads_are_read_or_refused_with_the_reason(toy_images, tmp_path):
    assert read_upload(toy_images[0], LIMITS).shape == (96, 160, 3)
    text = tmp_path / "notes.png"
    text.write_text("hello")
    cases = {
        None: "No image",
        text: "notes.png is not an image this demo can read",
        huge_png_header(
            tmp_path / "large.png", 3000, 2000
        ): "3000x2000 (6.0 megapixels); this demo takes images up to 1",
        huge_png_header(tmp_path / "bomb.png", 40000, 40000): "bomb.png is far larger than 1 megapixels",
    }
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(toy_images[0].read_bytes()[:-200])
    cases[truncated] = "cut.png cannot be read: the file is truncated"
    big = tmp_path / "big.png"
    big.write_bytes(b"\0" * (6 * 2**20))
    cases[big] = "larger than 5 MB"
    for path, words in cases.items():
        with pytest.raises(UploadError, match=words.replace("(", r"\(").replace(")", r"\)")):
            read_upload(path, LIMITS)


def test_the_image_tab_gives_infers_label_map_areas_and_the_label_png(segmenter, toy_images, tmp_path):
    image = cv2.cvtColor(cv2.imread(str(toy_images[0])), cv2.COLOR_BGR2RGB)
    expected = segmenter.predictor.predict(image)
    result = ImageTab(segmenter, LIMITS, tmp_path).run(str(toy_images[0]), 0.5)
    assert result.message == ""
    np.testing.assert_array_equal(result.labels, expected)
    np.testing.assert_array_equal(decode_label(result.label_png), expected)
    np.testing.assert_array_equal(result.mask, segmenter.palette[expected])  # no legend: colours only
    assert result.overlay.shape[0] >= 96 and result.overlay.shape[1] > 160  # the legend strip beside
    areas = segmenter.areas(expected)
    assert [a.percent for a in areas] == sorted((a.percent for a in areas), reverse=True)
    assert sum(a.percent for a in areas) == pytest.approx(100.0)
    assert {a.class_id for a in areas} == set(np.unique(expected).tolist())
    assert "network" in result.timing and "whole request" in result.timing
    again = ImageTab(segmenter, LIMITS, tmp_path).redraw(result.image, result.labels, 1.0)
    np.testing.assert_array_equal(again[:96, :160], segmenter.palette[expected])  # opacity 1: the colours alone


def test_a_bad_upload_is_a_message_not_an_exception(segmenter, tmp_path):
    bad = tmp_path / "x.jpg"
    bad.write_bytes(b"\xff\xd8garbage")
    result = ImageTab(segmenter, LIMITS, tmp_path).run(str(bad), 0.5)
    assert result.message.startswith("**Cannot segment this upload.**") and result.overlay is None


def write_clip(path: Path, frames: int) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 96))
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 255, (96, 160, 3), dtype=np.uint8))
    writer.release()
    return path


@pytest.mark.slow
def test_a_video_goes_through_the_pipeline_into_a_browser_playable_file(segmenter, tmp_path):
    clip = write_clip(tmp_path / "clip.avi", 8)
    result = segment_video(segmenter, clip, LIMITS, smooth=0.5, legend="beside", output_dir=tmp_path / "out")
    assert result.path.suffix == ".webm"  # VP8 in WebM: Chromium plays it
    capture = cv2.VideoCapture(str(result.path))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 6  # the limit: 6 of 8 frames
    capture.release()
    assert "Only the first 6 of 8 frames" in result.summary() and "model" in result.summary()
    not_video = tmp_path / "clip.mp4"
    not_video.write_text("no")
    with pytest.raises(UploadError, match="cannot be opened as a video"):
        segment_video(segmenter, not_video, LIMITS)


def test_the_webcam_session_draws_and_counts_frames(segmenter):
    session = WebcamSession(segmenter)
    frame = np.random.default_rng(0).integers(0, 255, (96, 160, 3), dtype=np.uint8)
    picture, text = session.frame(frame, 0.5)
    assert picture.shape == frame.shape and text.startswith("stream measuring")
    _, text = session.frame(frame, 0.5)
    assert "FPS" in text.split(";")[0] and "network" in text


def test_the_examples_are_the_toy_val_images(tmp_path):
    examples = example_images(tmp_path / "cache", count=2)
    full = make_toy_cityscapes(tmp_path / "full", train=3, val=2, seed=0, image_size=(128, 256))
    expected = sorted((full / "leftImg8bit" / "val").rglob("*.png"))
    assert [p.read_bytes() for p in examples] == [p.read_bytes() for p in expected]
    assert example_images(tmp_path / "cache", count=2) == examples  # the second start reuses them
