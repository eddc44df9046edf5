"""The stages of the video pipeline (seg.video.pipeline): frames, the shared shutdown state, and the two
kinds of stage thread joined by bounded queues (the reader, and a stage that maps each frame in order).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from seg.video.io import FrameSource

END = object()  # end-of-stream marker passed down the queues
_POLL_S = 0.05  # queue waits wake up this often to notice an abort


@dataclass
class Frame:
    index: int
    image: np.ndarray  # RGB uint8 [H, W, 3]
    data: Any = None  # what the last stage produced: batch, logits, labels or the rendered frame


class Control:
    """Shared shutdown state: ``stop`` ends reading, ``abort`` makes every stage drop its work."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.abort = threading.Event()
        self.errors: list[str] = []
        self.interrupts = 0
        self.stopped_by: str = ""

    def fail(self, stage: str, error: BaseException) -> None:
        self.errors.append(f"{stage} failed on a frame: {type(error).__name__}: {error}")
        self.stop.set()

    def get(self, inbox: queue.Queue) -> Any:
        while not self.abort.is_set():
            try:
                return inbox.get(timeout=_POLL_S)
            except queue.Empty:
                continue
        return END

    def put(self, outbox: queue.Queue, item: Any) -> bool:
        while not self.abort.is_set():
            try:
                outbox.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False


def read_stage(source: FrameSource, outbox: queue.Queue, control: Control, max_frames: int | None) -> None:
    try:
        index = 0
        while not control.stop.is_set():
            if max_frames is not None and index >= max_frames:
                control.stopped_by = control.stopped_by or f"--max-frames {max_frames} reached"
                break
            image = source.read()
            if image is None or not control.put(outbox, Frame(index, image)):
                break
            index += 1
    except Exception as error:  # a decoder crash must still end the stream cleanly
        control.fail("reading", error)
    finally:
        source.close()
        control.put(outbox, END)


def map_stage(
    name: str, work: Callable[[Frame], None], inbox: queue.Queue, outbox: queue.Queue, control: Control
) -> None:
    """Apply ``work`` to each frame in order; after a failure, drop frames until the end marker."""
    failed = False
    while (frame := control.get(inbox)) is not END:
        if failed:
            continue
        try:
            work(frame)
        except Exception as error:
            control.fail(name, error)
            failed = True
            continue
        if not control.put(outbox, frame):
            return
    control.put(outbox, END)
