"""The overlapped video pipeline: decode -> preprocess -> infer -> postprocess -> render -> encode.

Each stage is one thread joined to the next by a small bounded queue, so while the model runs
on frame t the previous frames are being post-processed, drawn and encoded and the next ones
decoded. OpenCV, NumPy, onnxruntime and torch release the GIL in their heavy loops, so the
stages really run at the same time and end-to-end FPS approaches the model's own FPS. One
thread per stage keeps frames in order; every frame carries its index and the writer checks it.

Shutdown: Ctrl-C (SIGINT) or a failing stage stops the reader; frames already in flight are
finished and written, then the output file is closed and renamed (a second Ctrl-C drops the
frames in flight). The encoder runs on the calling thread, which also owns the SIGINT handler.
"""

from __future__ import annotations

import queue
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from tqdm import tqdm

from seg.inference.predictor import Predictor
from seg.video.io import FrameSource, VideoOutput, VideoOutputError
from seg.video.render import Renderer, RunningFPS
from seg.video.report import RunReport
from seg.video.stages import END, Control, Frame, map_stage, read_stage
from seg.video.temporal import FlickerMeter, ProbabilityEMA


class VideoPipeline:
    """Runs a predictor over a frame source into a video file; see the module docstring.

    ``predictor`` is a :class:`seg.inference.predictor.Predictor` (preprocess / infer / postprocess).
    ``on_frame`` (e.g. a display window) sees every rendered frame and returns False to stop.
    """

    def __init__(
        self,
        predictor: Predictor,
        renderer: Renderer,
        smooth: float = 0.0,
        max_frames: int | None = None,
        queue_size: int = 4,
        progress: bool = True,
        on_frame: Callable[[np.ndarray], bool] | None = None,
    ) -> None:
        if max_frames is not None and max_frames < 1:
            raise ValueError(f"max_frames must be at least 1 (or None for all); got {max_frames}.")
        self.predictor = predictor
        self.renderer = renderer
        self.ema = ProbabilityEMA(smooth)
        self.max_frames = max_frames
        self.queue_size = queue_size
        self.progress = progress
        self.on_frame = on_frame
        self._reset()

    # ------------------------------------------------------------------ stage work (one thread each)

    def _preprocess(self, frame: Frame) -> None:
        frame.data = self.predictor.preprocess(frame.image)

    def _infer(self, frame: Frame) -> None:
        start = time.perf_counter()
        frame.data = self.predictor.infer(frame.data)
        self._infer_seconds += time.perf_counter() - start
        self._inferred += 1

    def _postprocess(self, frame: Frame) -> None:
        size = frame.image.shape[:2]
        logits = frame.data
        if self.ema.alpha == 0.0:
            labels = self.predictor.postprocess(logits, size)[0]
        else:
            # Average at the network's resolution (cheaper than at the frame's), then let the same
            # postprocess resize and argmax: softmax(log p) = p, so it sees the smoothed probabilities.
            probabilities = self.predictor.postprocess(logits, tuple(logits.shape[-2:]), probabilities=True)[0]
            smoothed = self.ema(probabilities)[None]
            if tuple(logits.shape[-2:]) != tuple(size):
                smoothed = np.log(np.maximum(smoothed, 1e-12))
            # (At the frame's size postprocess only takes the argmax, the same for p and log p.)
            labels = self.predictor.postprocess(smoothed, size)[0]
        self._flicker.update(labels)
        frame.data = labels

    def _render(self, frame: Frame) -> None:
        frame.data = self.renderer(frame.image, frame.data, self._fps.tick())

    # ------------------------------------------------------------------ the run

    def run(self, source: FrameSource, output: VideoOutput) -> RunReport:
        """Process ``source`` into ``output`` and finish the file; never raises for a stage failure,
        the report's ``error`` says what went wrong (and the frames done before it are kept)."""
        expected = source.info.frame_count
        if expected is not None and self.max_frames is not None:
            expected = min(expected, self.max_frames)
        report = RunReport(source=source.info.name, frames_expected=source.info.frame_count, smooth=self.ema.alpha)
        control = Control()
        queues = [queue.Queue(maxsize=self.queue_size) for _ in range(5)]
        stages = [
            ("preprocessing", self._preprocess),
            ("inference", self._infer),
            ("postprocessing", self._postprocess),
            ("rendering", self._render),
        ]
        threads = [
            threading.Thread(
                target=read_stage, args=(source, queues[0], control, self.max_frames), name="read", daemon=True
            )
        ]
        for k, (name, work) in enumerate(stages):
            threads.append(
                threading.Thread(
                    target=map_stage, args=(name, work, queues[k], queues[k + 1], control), name=name, daemon=True
                )
            )
        self._reset()
        # The handler stays until the file is finished, so a late Ctrl-C cannot cut the rename short.
        previous_handler = self._install_sigint(control)
        try:
            self._process(threads, queues[-1], output, control, report, expected)
            self._fill_report(report, source, control)
            self._finish(output, report)
        except BaseException:  # a bug, not a frame failure: leave no temporary file behind
            output.discard()
            raise
        finally:
            if previous_handler is not None:
                signal.signal(signal.SIGINT, previous_handler)
        return report

    def _process(
        self,
        threads: list[threading.Thread],
        outbox: queue.Queue,
        output: VideoOutput,
        control: Control,
        report: RunReport,
        expected: int | None,
    ) -> None:
        bar = tqdm(total=expected, disable=not self.progress, unit="frame", desc="video", dynamic_ncols=True)
        start = time.perf_counter()
        try:
            for thread in threads:
                thread.start()
            self._write_loop(outbox, output, control, report, bar)
        finally:
            control.stop.set()
            if control.errors or control.interrupts > 1:
                control.abort.set()
            for thread in threads:
                thread.join(timeout=10)
            report.wall_seconds = time.perf_counter() - start
            bar.close()

    def _finish(self, output: VideoOutput, report: RunReport) -> None:
        try:
            report.output = str(output.finish())
        except VideoOutputError as error:
            report.error = f"{report.error}; {error}" if report.error else str(error)
            return
        height, width = output.frame_size
        report.output_description = f"{output.codec}, {width}x{height} at {output.fps:g} fps"
        if output.note:
            report.output_description += f"; {output.note}"

    def _reset(self) -> None:
        self.ema.reset()
        self._flicker, self._fps = FlickerMeter(), RunningFPS()
        self._infer_seconds, self._inferred = 0.0, 0

    def _write_loop(
        self, inbox: queue.Queue, output: VideoOutput, control: Control, report: RunReport, bar: tqdm
    ) -> None:
        next_index = 0
        while (frame := control.get(inbox)) is not END:
            if control.interrupts == 1 and not control.stopped_by:
                control.stopped_by = "interrupted (Ctrl-C)"
                bar.write("Ctrl-C: stopped reading; finishing the frames in flight (Ctrl-C again to drop them).")
            try:
                if frame.index != next_index:  # one thread per stage keeps order; this proves it
                    raise RuntimeError(f"frame {frame.index} reached the writer when frame {next_index} was due")
                output.write(frame.data)
            except Exception as error:
                control.fail("writing", error)
                control.abort.set()
                return
            report.frames_written = output.frames_written
            report.last_index = frame.index
            next_index += 1
            bar.update(1)
            if self.on_frame is not None and not self.on_frame(frame.data) and not control.stop.is_set():
                control.stopped_by = "stopped from the display window"
                control.stop.set()

    def _install_sigint(self, control: Control) -> Any:
        """First Ctrl-C: stop reading and drain; second: drop the frames in flight. Main thread only."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def on_sigint(signum: int, stack: Any) -> None:
            control.interrupts += 1
            control.stop.set()
            if control.interrupts > 1:
                control.abort.set()

        return signal.signal(signal.SIGINT, on_sigint)

    def _fill_report(self, report: RunReport, source: FrameSource, control: Control) -> None:
        report.frames_read = source.frames_read
        report.frames_inferred = self._inferred
        report.infer_seconds = self._infer_seconds
        report.flicker = self._flicker.value
        report.interrupted = control.interrupts > 0
        report.input_failed = source.failed
        if control.errors:
            report.error = "; ".join(control.errors)
            report.stop_reason = report.error
        elif report.interrupted:
            dropped = report.frames_read - report.frames_written
            report.stop_reason = "interrupted (Ctrl-C)" + (
                f"; {dropped} frames in flight were dropped" if dropped else ""
            )
        elif control.stopped_by:
            report.stop_reason = control.stopped_by
        else:
            report.stop_reason = source.stop_reason or "end of the input"
