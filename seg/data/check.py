"""Dataset checks: every problem of a split in one run, so a broken file is fixed before training, not found by it.

``check_split`` (tools/check_dataset.py) reads every sample once, in parallel, through the same readers
as training, and collects instead of stopping: images without labels and labels without images,
unreadable or truncated files, image/label size mismatches, label values outside the class list; it
notes images that training converts (grayscale, RGBA, 16-bit) and counts the pixels of each class.
``quick_check`` (run by the DataModule before fitting) does the part that needs no decoding: pairing,
sizes from the file headers and truncated files from their end markers, in seconds for Cityscapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field

import cv2
import numpy as np
from tqdm import tqdm

from seg.classes import dataset_classes
from seg.config import DataConfig
from seg.data.dataset import Sample, Scan
from seg.data.datasets import scan_split
from seg.data.io import check_label_values, decode_image, decode_label, header_size, image_notes, tail_truncation
from seg.errors import DatasetError

MAX_LISTED = 5  # problems a failing quick check prints before pointing at tools/check_dataset.py


@dataclass
class SampleReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "grayscale", "RGBA", "16-bit"
    counts: np.ndarray | None = None  # labelled pixels per class (train ids), None if the label is unreadable
    ignored: int = 0  # pixels marked as not scored


@dataclass
class SplitReport:
    split: str
    samples: int
    problems: list[str]
    notes: dict[str, list[str]]  # note -> image paths
    counts: np.ndarray  # labelled pixels per class over the split
    ignored: int  # pixels marked ignore

    @property
    def ok(self) -> bool:
        return not self.problems


def check_sample(sample: Sample, image_fix: str, num_classes: int) -> SampleReport:
    """Read one pair as training does and report everything wrong with it (no exception escapes for bad data)."""
    report = SampleReport()
    image_size = label = None
    try:
        raw = decode_image(sample.image, image_fix)
        report.notes = image_notes(raw)
        image_size = raw.shape[:2]
    except DatasetError as error:
        report.problems.append(str(error))
    try:
        stored = decode_label(sample.label, sample.encoding.fix)
        check_label_values(stored, sample.encoding, sample.label)
        label = sample.encoding.lookup[stored]
    except DatasetError as error:
        report.problems.append(str(error))
    if image_size is not None and label is not None and image_size != label.shape:
        report.problems.append(_size_mismatch(sample, image_size, label.shape))
    if label is not None:
        counts = np.bincount(label.ravel(), minlength=256)
        report.counts = counts[:num_classes]
        report.ignored = int(counts[sample.encoding.ignore])
    return report


def _size_mismatch(sample: Sample, image: tuple[int, ...], label: tuple[int, ...]) -> str:
    return (
        f"Image {sample.image} is {image[1]}x{image[0]} but its label {sample.label} is {label[1]}x{label[0]} "
        "(width x height); they must match pixel for pixel."
    )


# Worker state for the process pool: set once per worker, so each task sends an index, not the sample list.
_WORKER: tuple[list[Sample], str, int] | None = None


def _init_worker(samples: list[Sample], image_fix: str, num_classes: int) -> None:
    global _WORKER
    _WORKER = (samples, image_fix, num_classes)
    cv2.setNumThreads(1)  # the pool is the parallelism


def _check_index(index: int) -> SampleReport:
    assert _WORKER is not None
    samples, image_fix, num_classes = _WORKER
    return check_sample(samples[index], image_fix, num_classes)


def check_split(data: DataConfig, split: str, workers: int = 1, progress: bool = False) -> SplitReport:
    """Every problem of ``split``: pairing problems from the scan, then each pair read once (``workers`` processes)."""
    num_classes = len(dataset_classes(data).names)
    scan = scan_split(data, split)
    reports: Iterable[SampleReport]
    indices = range(len(scan.samples))
    bar = {"total": len(scan.samples), "desc": f"check {split}", "unit": "pair", "disable": not progress}
    if workers > 1 and len(scan.samples) > 1:
        with ProcessPoolExecutor(
            workers, initializer=_init_worker, initargs=(scan.samples, scan.image_fix, num_classes)
        ) as pool:
            reports = list(tqdm(pool.map(_check_index, indices, chunksize=8), **bar))
    else:
        reports = [check_sample(sample, scan.image_fix, num_classes) for sample in tqdm(scan.samples, **bar)]
    return _summarise(split, scan, reports, num_classes)


def _summarise(split: str, scan: Scan, reports: Sequence[SampleReport], num_classes: int) -> SplitReport:
    problems = list(scan.problems)
    notes: dict[str, list[str]] = {}
    counts = np.zeros(num_classes, dtype=np.int64)
    ignored = 0
    for sample, report in zip(scan.samples, reports, strict=True):
        problems += report.problems
        for note in report.notes:
            notes.setdefault(note, []).append(str(sample.image))
        if report.counts is not None:
            counts += report.counts
        ignored += report.ignored
    return SplitReport(split, len(scan.samples), problems, notes, counts, ignored)


# ----------------------------------------------------------------------------------------------- fast check


def _header_problems(sample: Sample) -> list[str]:
    problems = []
    sizes = {}
    for kind, path in (("image", sample.image), ("label", sample.label)):
        try:
            cut = tail_truncation(path)
            if cut is not None:
                problems.append(f"Cannot read {kind} {path}: the file is truncated ({cut}).")
                continue
            sizes[kind] = header_size(path)
        except (DatasetError, OSError) as error:
            problems.append(f"Cannot read {kind} {path}: {error}")
    if len(sizes) == 2 and sizes["image"] != sizes["label"]:
        problems.append(_size_mismatch(sample, sizes["image"], sizes["label"]))
    return problems


def quick_check(data: DataConfig, splits: Sequence[str], threads: int = 8) -> None:
    """Raise one DatasetError listing the pairing, size and truncation problems of ``splits`` (no decoding)."""
    problems: list[str] = []
    for split in dict.fromkeys(splits):
        scan = scan_split(data, split)
        problems += scan.problems
        with ThreadPoolExecutor(threads) as pool:
            for found in pool.map(_header_problems, scan.samples):
                problems += found
    if problems:
        listed = "\n  ".join(problems[:MAX_LISTED])
        more = f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise DatasetError(
            f"The dataset at data.root={data.root!r} has {len(problems)} problem(s):\n  {listed}{more}\n"
            "Fix them (or remove the files) before training; `python tools/check_dataset.py CONFIG` lists every "
            "problem and also reads every pixel."
        )
