from pathlib import Path

import numpy as np

from seg.synthetic.video import StreetShot
from seg.video.street import make_street_video

from .conftest import read_video


def test_street_video_has_the_asked_frames_and_is_reproducible(tmp_path: Path):
    path = make_street_video(tmp_path / "street.avi", frames=5, frame_size=(64, 96), fps=10.0, shot_frames=3)
    frames, fps = read_video(path)
    assert path == tmp_path / "street.avi" and len(frames) == 5 and frames[0].shape == (64, 96, 3) and fps == 10.0
    first, again = StreetShot([0, 0], (64, 96), 3), StreetShot([0, 0], (64, 96), 3)
    np.testing.assert_array_equal(first.frame(2), again.frame(2))
    assert np.abs(first.frame(0).astype(int) - first.frame(2).astype(int)).mean() > 1.0  # the camera moves
