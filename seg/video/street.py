"""Writing the synthetic street video (seg.synthetic.video) to a file, for the demo's reproducible numbers."""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from seg.synthetic.video import street_frames
from seg.video.io import VideoOutput


def make_street_video(
    path: str | Path,
    frames: int = 400,
    frame_size: tuple[int, int] = (576, 768),
    fps: float = 30.0,
    shot_frames: int = 100,
    seed: int = 0,
    progress: bool = False,
) -> Path:
    """Write the synthetic street video; returns the path written (the suffix may change if the
    codec for the requested container is missing, see :class:`seg.video.io.VideoOutput`)."""
    frame_iter = street_frames(frames, frame_size, shot_frames, seed)
    output = VideoOutput(path, fps, frame_size)
    try:
        for frame in tqdm(frame_iter, total=frames, desc=f"street video -> {path}", unit="frame", disable=not progress):
            output.write(frame)
    except BaseException:
        output.discard()
        raise
    return output.finish()
