"""Video segmentation demo: frame sources and writer, the overlapped pipeline, rendering, smoothing."""

from seg.video.display import open_window
from seg.video.io import (
    CODECS,
    FrameSource,
    SourceInfo,
    VideoInputError,
    VideoOutput,
    VideoOutputError,
    open_source,
)
from seg.video.pipeline import VideoPipeline
from seg.video.render import Renderer
from seg.video.report import RunReport
from seg.video.temporal import FlickerMeter, ProbabilityEMA

__all__ = [
    "CODECS",
    "FlickerMeter",
    "FrameSource",
    "ProbabilityEMA",
    "Renderer",
    "RunReport",
    "SourceInfo",
    "VideoInputError",
    "VideoOutput",
    "VideoOutputError",
    "VideoPipeline",
    "open_source",
    "open_window",
]
