"""What one video run did: counts, speeds, flicker, and where and why it stopped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RunReport:
    """What happened in one run; :meth:`format` is the report printed at the end."""

    source: str
    frames_expected: int | None
    frames_read: int = 0
    frames_written: int = 0
    last_index: int | None = None  # index of the last frame written
    infer_seconds: float = 0.0
    frames_inferred: int = 0
    wall_seconds: float = 0.0
    flicker: float | None = None
    smooth: float = 0.0
    stop_reason: str = ""
    input_failed: bool = False  # the input ended early (truncated / corrupt / camera lost)
    interrupted: bool = False
    error: str | None = None  # a stage or the output failed
    output: str | None = None
    output_description: str = ""

    @property
    def model_fps(self) -> float | None:
        return self.frames_inferred / self.infer_seconds if self.infer_seconds > 0 else None

    @property
    def end_to_end_fps(self) -> float | None:
        return self.frames_written / self.wall_seconds if self.wall_seconds > 0 else None

    def format(self) -> str:
        expected = f" (the input announces {self.frames_expected})" if self.frames_expected is not None else ""
        lines = [f"frames read      {self.frames_read}{expected} from {self.source}"]
        lines.append(
            f"frames written   {self.frames_written}"
            + (f" -> {self.output} ({self.output_description})" if self.output else " (no output file)")
        )
        model, e2e = self.model_fps, self.end_to_end_fps
        lines.append(
            f"model FPS        {model:.1f} (time inside Predictor.infer, {self.infer_seconds:.2f} s)"
            if model
            else "model FPS        n/a"
        )
        if e2e:
            ratio = f", {100 * e2e / model:.0f}% of model FPS" if model else ""
            lines.append(f"end-to-end FPS   {e2e:.1f} (frames written / {self.wall_seconds:.2f} s wall clock{ratio})")
        flicker = "n/a (fewer than 2 frames)" if self.flicker is None else f"{self.flicker:.4f}"
        lines.append(
            f"flicker          {flicker} (mean fraction of pixels changing label between frames; --smooth {self.smooth:g})"
        )
        where = (
            f"after frame index {self.last_index}" if self.last_index is not None else "before any frame was written"
        )
        lines.append(f"stopped          {where}: {self.stop_reason}")
        return "\n".join(lines)
