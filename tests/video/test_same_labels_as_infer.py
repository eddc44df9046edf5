"""The video demo and tools/infer.py give a frame the same label map at the same --input-size.

Both tools build their predictor the same way (``load_predictor(card, input_size=..., fast_labels=not
--exact-labels)``); infer calls ``predict`` on the image, the video pipeline runs the stages (preprocess on
the numpy frame, infer, postprocess) on separate threads. Both read a frame file with the one image reader.
"""

from pathlib import Path

import cv2
import numpy as np
import pytest

from seg.data.io import read_image
from seg.inference.card import read_card
from seg.runtimes.factory import load_predictor
from seg.video.io import open_source
from seg.video.pipeline import VideoPipeline
from seg.video.render import Renderer
from seg.video.stages import Frame

from .conftest import FRAME_SIZE


def street_frame(seed: int = 0) -> np.ndarray:
    """Blocks of colour (edges everywhere) with noise: a frame where label maps have boundaries to disagree on."""
    rng = np.random.default_rng(seed)
    height, width = FRAME_SIZE
    blocks = np.kron(rng.integers(0, 255, (height // 8, width // 8, 3)), np.ones((8, 8, 1)))
    return np.clip(blocks + rng.normal(0, 12, blocks.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("exact_labels", [False, True], ids=["fast-labels", "exact-labels"])
@pytest.mark.parametrize("input_size", [None, (48, 80)], ids=["frame-size", "input-48x80"])
def test_the_video_pipeline_labels_a_frame_as_infer_does(tiny_config, tiny_weights, input_size, exact_labels):
    card = read_card(tiny_weights, tiny_config)
    predictor = load_predictor(card, input_size=input_size, threads=1, fast_labels=not exact_labels)
    frame = street_frame()
    expected = predictor.predict(frame)  # tools/infer.py
    pipeline = VideoPipeline(predictor, Renderer(), progress=False)
    item = Frame(0, frame)
    for stage in (pipeline._preprocess, pipeline._infer, pipeline._postprocess):  # the stages, in order
        stage(item)
    assert item.data.dtype == np.uint8 and item.data.shape == FRAME_SIZE
    np.testing.assert_array_equal(item.data, expected)
    assert len(np.unique(expected)) > 1  # a map with boundaries, not one class everywhere


def test_a_folder_frame_is_read_as_infer_reads_the_file(tmp_path: Path):
    frame = street_frame(seed=1)
    cv2.imwrite(str(tmp_path / "frame_000.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    source = open_source(str(tmp_path), fps=10.0)
    np.testing.assert_array_equal(source.read(), read_image(tmp_path / "frame_000.png"))
    np.testing.assert_array_equal(read_image(tmp_path / "frame_000.png"), frame)
