"""A video file through the video demo's pipeline (``seg.video.VideoPipeline``, as ``tools/video_demo.py`` runs it):
overlapped decode, inference, drawing and encoding, optional temporal smoothing, and the legend in class-id order
(``seg.video.Renderer``) so it keeps one order on every frame.

The output is encoded for the browser: WebM (VP8) first, which Chromium and Firefox play without plugins; the
video demo's own codecs (MPEG-4 Part 2, MJPG) follow as fallbacks that the page still offers for download.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from seg.app.segmenter import Segmenter
from seg.app.uploads import UploadError, UploadLimits
from seg.video import CODECS, Renderer, RunReport, VideoInputError, VideoOutput, VideoPipeline, open_source

BROWSER_CODECS: tuple[tuple[str, str], ...] = (("VP80", ".webm"), *CODECS)


@dataclass(frozen=True)
class VideoResult:
    path: Path
    report: RunReport
    note: str  # what the page says beside the numbers (frames dropped by the limit, an early end)

    def summary(self) -> str:
        """The figures the page shows: frames, model FPS, end-to-end FPS and flicker."""
        report = self.report
        model, e2e = report.model_fps, report.end_to_end_fps
        parts = [
            f"{report.frames_written} frames",
            f"model {model:.1f} FPS" if model else "model FPS n/a",
            f"end to end {e2e:.1f} FPS" if e2e else "end-to-end FPS n/a",
        ]
        if report.flicker is not None:
            parts.append(f"flicker {report.flicker:.4f} (smoothing {report.smooth:g})")
        return ", ".join(parts) + (f". {self.note}" if self.note else "")


def segment_video(
    segmenter: Segmenter,
    path: str | Path | None,
    limits: UploadLimits,
    smooth: float = 0.0,
    opacity: float = 0.5,
    legend: str = "inside",
    output_dir: str | Path | None = None,
) -> VideoResult:
    """Segment the video at ``path`` into a new file under ``output_dir`` (default: a fresh temporary folder).

    The pipeline's progress bar (tqdm) is what the page's progress bar follows. A file that is not a video, or
    larger than the limit, is an ``UploadError``; a failure half-way keeps the frames done and says so.
    """
    if path is None:
        raise UploadError("No video: drop or pick a video file first.")
    path = Path(path)
    if path.stat().st_size > limits.max_file_mb * 2**20:
        raise UploadError(f"{path.name} is larger than {limits.max_file_mb} MB, the limit of this demo.")
    if not 0.0 <= smooth < 1.0:
        raise UploadError(f"Smoothing must be in [0, 1); got {smooth}.")
    try:
        source = open_source(str(path))
    except VideoInputError:
        raise UploadError(
            f"{path.name} cannot be opened as a video (send an .mp4, .webm, .avi or .mov file)."
        ) from None
    info = source.info
    height, width = info.frame_size
    if height * width > limits.max_megapixels * 1e6:
        source.close()
        raise UploadError(
            f"{path.name} has {width}x{height} frames; this demo takes up to {limits.max_megapixels:g} MP."
        )
    note = ""
    if info.frame_count is not None and info.frame_count > limits.max_video_frames:
        note = (
            f"Only the first {limits.max_video_frames} of {info.frame_count} frames were segmented (the demo's limit)."
        )
    renderer = Renderer(opacity, False, legend, segmenter.classes.names, segmenter.palette)
    folder = Path(output_dir) if output_dir is not None else Path(tempfile.mkdtemp(prefix="seg_app_video_"))
    try:
        output = VideoOutput(
            folder / f"{path.stem}_seg.webm", info.fps, renderer.output_size(info.frame_size), BROWSER_CODECS
        )
    except BaseException:
        source.close()
        raise
    pipeline = VideoPipeline(segmenter.predictor, renderer, smooth=smooth, max_frames=limits.max_video_frames)
    report = pipeline.run(source, output)
    if report.error:
        if report.output is None:
            raise UploadError(f"{path.name}: the video could not be segmented ({report.error}).")
        note = f"{note} Stopped early: {report.error}".strip()
    elif report.input_failed:
        note = f"{note} The input ended early: {report.stop_reason}".strip()
    return VideoResult(Path(report.output), report, note)
