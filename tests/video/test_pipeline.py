"""The overlapped pipeline with the real Predictor and a tiny model on short synthetic videos."""

import os
import signal
from pathlib import Path

import numpy as np

from seg.video import Renderer, VideoOutput, VideoPipeline, open_source

from .conftest import FRAME_SIZE, frame_level, read_video, write_video


def _run(predictor, video: Path, out: Path, renderer: Renderer | None = None, **options):
    source = open_source(str(video))
    renderer = renderer or Renderer()
    output = VideoOutput(out, source.info.fps, renderer.output_size(source.info.frame_size))
    return VideoPipeline(predictor, renderer, progress=False, **options).run(source, output)


def test_every_frame_in_order_at_the_input_size_and_rate(predictor, tmp_path: Path):
    video = write_video(tmp_path / "in.avi", 20, fps=25.0)
    # Opacity 0 leaves the input visible, so each output frame can be matched to its input frame.
    report = _run(predictor, video, tmp_path / "out.mp4", Renderer(opacity=0.0, legend="none"))
    assert report.error is None and not report.interrupted and report.stop_reason == "end of the video"
    assert (report.frames_read, report.frames_written, report.last_index) == (20, 20, 19)
    frames, fps = read_video(Path(report.output))
    assert len(frames) == 20 and frames[0].shape[:2] == FRAME_SIZE and fps == 25.0
    levels = [float(np.mean(frame[-12:-4, 4:-4])) for frame in frames]
    expected = np.array([frame_level(i) for i in range(20)])  # 9 grey levels apart; the codecs shift a few
    assert [int(np.argmin(np.abs(expected - level))) for level in levels] == list(range(20))
    assert report.model_fps > 0 and report.end_to_end_fps > 0 and report.flicker is not None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # temporary file renamed


def test_side_by_side_doubles_the_width_and_max_frames_stops(predictor, tmp_path: Path):
    video = write_video(tmp_path / "in.avi", 12)
    report = _run(predictor, video, tmp_path / "out.mp4", Renderer(side_by_side=True), max_frames=5)
    frames, _ = read_video(Path(report.output))
    assert len(frames) == 5 and frames[0].shape[:2] == (FRAME_SIZE[0], 2 * FRAME_SIZE[1])
    assert report.stop_reason == "--max-frames 5 reached"


def test_smoothing_lowers_flicker_on_a_noisy_video(predictor, tmp_path: Path):
    video = write_video(tmp_path / "noisy.avi", 16, noise=25.0)
    raw = _run(predictor, video, tmp_path / "raw.mp4", smooth=0.0)
    smooth = _run(predictor, video, tmp_path / "smooth.mp4", smooth=0.8)
    assert raw.flicker > 0.05  # the tiny model does react to the noise
    assert smooth.flicker < 0.5 * raw.flicker


class _FailingPredictor:
    """The real predictor, except that inference fails on the sixth frame."""

    def __init__(self, predictor, fail_at: int) -> None:
        self._predictor, self._calls, self._fail_at = predictor, 0, fail_at
        self.preprocess, self.postprocess = predictor.preprocess, predictor.postprocess

    def infer(self, batch):
        self._calls += 1
        if self._calls > self._fail_at:
            raise RuntimeError("simulated runtime failure")
        return self._predictor.infer(batch)


def test_a_failing_stage_keeps_the_frames_done_before_it(predictor, tmp_path: Path):
    video = write_video(tmp_path / "in.avi", 20)
    report = _run(_FailingPredictor(predictor, fail_at=5), video, tmp_path / "out.mp4")
    assert "inference failed" in report.error and "simulated runtime failure" in report.error
    frames, _ = read_video(Path(report.output))
    assert report.frames_written == len(frames) == 5


def test_ctrl_c_drains_the_frames_in_flight_and_finishes_the_file(predictor, tmp_path: Path):
    video = write_video(tmp_path / "in.avi", 40)

    def interrupt_at_frame_3(frame: np.ndarray, seen: list = []) -> bool:  # noqa: B006 (a counter)
        seen.append(1)
        if len(seen) == 3:
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C sends; the pipeline's handler catches it
        return True

    before = signal.getsignal(signal.SIGINT)
    report = _run(predictor, video, tmp_path / "out.mp4", on_frame=interrupt_at_frame_3)
    assert signal.getsignal(signal.SIGINT) is before  # handler restored
    assert report.interrupted and report.stop_reason == "interrupted (Ctrl-C)" and report.error is None
    frames, _ = read_video(Path(report.output))
    assert 3 <= report.frames_written == report.frames_read == len(frames) < 40  # none dropped
