"""Frame sources (video file, folder of frames, camera) and a video file writer with codec fallback.

Sources yield RGB uint8 frames (what :class:`seg.inference.predictor.Predictor` takes) and remember
why they stopped: the end of the input, or the frame index where a truncated or corrupt file could
not be decoded any further. The writer encodes to a temporary name and renames it only once the
file is closed and reads back, so an output path never holds a half-written video.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from seg.data.images import IMAGE_SUFFIXES, list_images
from seg.data.io import read_image
from seg.errors import ImageReadError, UserError
from seg.outputs import check_output_file

# Tried in order; a codec the OpenCV build lacks (or that writes nothing) falls through to the next.
# mp4v in .mp4 is what opencv-python ships with; MJPG in .avi needs no external encoder at all.
CODECS: tuple[tuple[str, str], ...] = (("mp4v", ".mp4"), ("MJPG", ".avi"), ("XVID", ".avi"))
_INPUT_HINT = (
    "Pass a video file (e.g. .mp4, .avi), a folder of frames (.png/.jpg, sorted by name) or a camera index such as 0."
)


class VideoInputError(UserError):
    """The input cannot be opened or read; the message names it and says what to do."""


class VideoOutputError(UserError):
    """The output video cannot be written; the message names the file and says what to do."""


@dataclass(frozen=True)
class SourceInfo:
    kind: str  # "file", "folder" or "camera"
    name: str
    fps: float
    fps_note: str  # where the frame rate came from
    frame_size: tuple[int, int]  # (height, width)
    frame_count: int | None  # None when unknown (camera; a container that does not say)


class FrameSource:
    """Reads RGB frames one by one. ``read`` returns None at the end and sets ``stop_reason``."""

    info: SourceInfo

    def __init__(self) -> None:
        self.frames_read = 0
        self.stop_reason = ""
        self.failed = False  # True when it stopped on a read error rather than the end of the input

    def read(self) -> np.ndarray | None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def _stop(self, reason: str, failed: bool) -> None:
        if not self.stop_reason:
            self.stop_reason, self.failed = reason, failed


class CaptureSource(FrameSource):
    """A video file or a camera through cv2.VideoCapture."""

    def __init__(self, capture: cv2.VideoCapture, kind: str, name: str, default_fps: float) -> None:
        super().__init__()
        self._capture = capture
        ok, frame = capture.read()
        if not ok or frame is None:
            capture.release()
            what = "camera" if kind == "camera" else "video"
            raise VideoInputError(
                f"The {what} {name} opened but no frame could be decoded from it (empty, truncated at the start, or a "
                f"codec this OpenCV build lacks). Check it plays in a video player, or convert it, e.g. "
                f"`ffmpeg -i {name} -c:v mjpeg out.avi`. {_INPUT_HINT}"
            )
        self._first: np.ndarray | None = frame
        fps = capture.get(cv2.CAP_PROP_FPS)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if kind == "file" else 0
        if fps and np.isfinite(fps) and fps > 0:
            fps_note = f"from the {'camera' if kind == 'camera' else 'container'}"
        else:
            fps, fps_note = default_fps, f"the {kind} does not say; --fps default"
        self.info = SourceInfo(kind, name, float(fps), fps_note, frame.shape[:2], count if count > 0 else None)

    def read(self) -> np.ndarray | None:
        if self.stop_reason:
            return None
        if self._first is not None:
            frame, self._first = self._first, None
        else:
            ok, frame = self._capture.read()
            if not ok or frame is None:
                expected = self.info.frame_count
                if expected is not None and self.frames_read < expected:
                    self._stop(
                        f"the decoder returned no frame at index {self.frames_read} although the container announces "
                        f"{expected} frames: the file is truncated or corrupt from there on",
                        failed=True,
                    )
                elif self.info.kind == "camera":
                    self._stop(f"the camera stopped delivering frames at index {self.frames_read}", failed=True)
                else:
                    self._stop("end of the video", failed=False)
                return None
        if frame.shape[:2] != self.info.frame_size:
            self._stop(f"frame {self.frames_read} is {frame.shape[1]}x{frame.shape[0]}, not the stream's size", True)
            return None
        self.frames_read += 1
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        self._capture.release()


class FolderSource(FrameSource):
    """Image files in a folder, sorted by name, at a frame rate the caller chooses."""

    def __init__(self, folder: Path, fps: float) -> None:
        super().__init__()
        self._files = [image.path for image in list_images([folder], recursive=False)]
        if not self._files:
            raise VideoInputError(
                f"The folder {folder} holds no image files ({', '.join(IMAGE_SUFFIXES)}). {_INPUT_HINT}"
            )
        try:
            first = read_image(self._files[0])
        except ImageReadError as error:
            raise VideoInputError(f"The first frame cannot be used: {error} Remove or replace it.") from None
        self._first: np.ndarray | None = first
        self.info = SourceInfo(
            "folder", str(folder), float(fps), "a folder has none; --fps", first.shape[:2], len(self._files)
        )

    def read(self) -> np.ndarray | None:
        if self.stop_reason:
            return None
        index = self.frames_read
        if index >= len(self._files):
            self._stop("end of the folder", failed=False)
            return None
        if self._first is not None:
            frame, self._first = self._first, None
        else:
            try:
                frame = read_image(self._files[index])
            except ImageReadError as error:
                self._stop(f"frame {index} ({self._files[index].name}) cannot be read as an image ({error})", True)
                return None
        if frame.shape[:2] != self.info.frame_size:
            height, width = self.info.frame_size
            self._stop(
                f"frame {index} ({self._files[index].name}) is {frame.shape[1]}x{frame.shape[0]}, not {width}x{height} "
                "like the first frame",
                failed=True,
            )
            return None
        self.frames_read += 1
        return frame


def open_source(spec: str, fps: float = 30.0) -> FrameSource:
    """Open ``spec``: a camera index ("0"), a folder of frames, or a video file.

    ``fps`` is the frame rate of a folder, and of a camera or file whose container does not state one.
    """
    if spec.strip().isdigit():
        index = int(spec)
        capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            capture.release()
            raise VideoInputError(
                f"Camera {index} cannot be opened: no such device, it is in use, or this OpenCV build has no camera "
                f"support (opencv-python-headless reads /dev/video* through V4L2 on Linux only). List cameras with "
                f"`ls /dev/video*` and pass an existing index, or pass a video file or a folder of frames instead."
            )
        return CaptureSource(capture, "camera", f"camera {index}", fps)
    path = Path(spec)
    if not path.exists():
        raise VideoInputError(f"The input {path} does not exist. {_INPUT_HINT}")
    if path.is_dir():
        return FolderSource(path, fps)
    if not os.access(path, os.R_OK):
        raise VideoInputError(f"The input {path} is not readable (permissions). Fix its permissions or copy it.")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise VideoInputError(
            f"The input {path} cannot be opened as a video: not a video file, a codec this OpenCV build lacks, or a "
            f"truncated file (an .mp4 cut short loses its index and cannot be read at all). {_INPUT_HINT}"
        )
    return CaptureSource(capture, "file", str(path), fps)


# ----------------------------------------------------------------------------- writing


def _codec_order(suffix: str, codecs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The codecs for the requested container first, then the rest as fallbacks."""
    suffix = suffix.lower()
    return [c for c in codecs if c[1] == suffix] + [c for c in codecs if c[1] != suffix]


def _probe(path: Path, fourcc: str, fps: float, size: tuple[int, int]) -> bool:
    """Can this codec really write and read back a frame of ``size``? isOpened() alone is not enough:
    some builds open a writer whose frames never reach the file."""
    height, width = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    try:
        if not writer.isOpened():
            return False
        writer.write(np.zeros((height, width, 3), dtype=np.uint8))
        writer.release()
        if not path.is_file() or path.stat().st_size == 0:
            return False
        capture = cv2.VideoCapture(str(path))
        ok, frame = capture.read()
        capture.release()
        return bool(ok) and frame is not None and frame.shape[:2] == (height, width)
    finally:
        writer.release()
        path.unlink(missing_ok=True)


class VideoOutput:
    """Encodes RGB frames to a video file, trying codecs in order until one works.

    Frames go to a hidden temporary file next to the target; :meth:`finish` closes it, checks it
    reads back with every frame, and renames it. With a fallback codec the suffix changes (e.g.
    ``out.mp4`` becomes ``out.avi``) and ``note`` says so.
    """

    def __init__(
        self, path: str | Path, fps: float, frame_size: tuple[int, int], codecs: tuple[tuple[str, str], ...] = CODECS
    ) -> None:
        target = Path(path)
        # A path that cannot be written is told apart from a missing codec: only a writable folder reaches the probes.
        check_output_file(target, "--output", overwrite=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.frame_size = frame_size
        self.fps = fps
        self.frames_written = 0
        tried = []
        for fourcc, suffix in _codec_order(target.suffix, codecs):
            probe = target.with_name(f".{target.stem}.probe{suffix}")
            if _probe(probe, fourcc, fps, frame_size):
                self.path = target.with_suffix(suffix)
                self.codec = f"{fourcc} in {suffix}"
                self._temp = target.with_name(f".{target.stem}.partial{suffix}")
                height, width = frame_size
                self._writer = cv2.VideoWriter(str(self._temp), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
                if self._writer.isOpened():
                    break
            tried.append(f"{fourcc} in {suffix}")
        else:
            raise VideoOutputError(
                f"No codec could write {target}: tried {', '.join(tried)}. This OpenCV build has no working video "
                f"encoder; install opencv-python (or opencv-python-headless) from PyPI, whose wheels bundle FFmpeg."
            )
        self.note = f"fell back to {self.codec} after {', '.join(tried)} failed" if tried else ""

    def write(self, frame_rgb: np.ndarray) -> None:
        if frame_rgb.shape[:2] != self.frame_size:
            raise VideoOutputError(
                f"Frame {self.frames_written} is {frame_rgb.shape[1]}x{frame_rgb.shape[0]} but {self.path} was opened "
                f"for {self.frame_size[1]}x{self.frame_size[0]}."
            )
        self._writer.write(cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR))
        self.frames_written += 1

    def finish(self) -> Path:
        """Close the file, check it holds every frame written, and move it to ``path``."""
        self._writer.release()
        if self.frames_written == 0:
            self.discard()
            raise VideoOutputError(f"No frame was written, so no {self.path} was created.")
        capture = cv2.VideoCapture(str(self._temp))
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else -1
        capture.release()
        if count != self.frames_written:
            self.discard()
            raise VideoOutputError(
                f"The encoder ({self.codec}) wrote a file that reads back with {count} frames instead of "
                f"{self.frames_written}; it was deleted. Try another container, e.g. --output {self.path.with_suffix('.avi')}."
            )
        os.replace(self._temp, self.path)
        return self.path

    def discard(self) -> None:
        """Close and delete the temporary file (nothing is left at ``path``)."""
        self._writer.release()
        self._temp.unlink(missing_ok=True)
