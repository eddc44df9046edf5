"""The dataset every layout shares: a list of (image, label) files found by a layout's scan, read and checked here.

A layout (Cityscapes, ADE20K, Pascal VOC, CamVid, the folder format) only finds its files: its scan
returns the pairs and every pairing problem it met (an image without a label, a label without an image,
two images with one name). Reading, checking and augmenting a pair is the same for all of them, so one
class does it, and the dataset checker (seg.data.check) reads exactly what training reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from seg.data.cache import DecodedCache
from seg.data.io import LabelEncoding, read_image, read_label
from seg.errors import DatasetError

Transform = Callable[..., dict[str, Any]]  # transform(image=uint8 [H, W, 3], mask=uint8 [H, W]) -> dict


@dataclass(frozen=True)
class Sample:
    image: Path
    label: Path
    encoding: LabelEncoding


@dataclass
class Scan:
    """What a layout found for one split: the pairs, and every problem that keeps a file from pairing."""

    name: str  # "Cityscapes", "ADE20K", ...: the first word of every message
    samples: list[Sample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    image_fix: str = ""  # how to restore a broken image (e.g. which zip to re-extract)


def raise_problems(scan: Scan) -> None:
    if scan.problems:
        more = len(scan.problems) - 1
        tail = f" ({more} more like it: `python tools/check_dataset.py CONFIG` lists them all.)" if more else ""
        raise DatasetError(scan.problems[0] + tail)


class SegmentationDataset(Dataset):
    """Image/label pairs of one split. Items: {"image": uint8 [3, H, W], "label": int64 [H, W], "path": str}.

    ``transform`` gets the RGB uint8 image and the train-id map (seg/data/transforms.py); without one the pair
    is handed out as read. With ``cache_dir`` every file is decoded once and memory-mapped afterwards
    (seg.data.cache).
    """

    def __init__(self, scan: Scan, transform: Transform | None = None, cache_dir: str | Path | None = None) -> None:
        raise_problems(scan)
        self.name, self.samples, self.image_fix = scan.name, scan.samples, scan.image_fix
        self.transform = transform
        self.cache = DecodedCache(cache_dir) if cache_dir else None

    def __len__(self) -> int:
        return len(self.samples)

    def read_image(self, index: int) -> np.ndarray:
        path = self.samples[index].image
        if self.cache is None:
            return read_image(path, self.image_fix)
        return self.cache.get(path, IMAGE_KIND, lambda: read_image(path, self.image_fix))

    def read_label(self, index: int) -> np.ndarray:
        sample = self.samples[index]
        if self.cache is None:
            return read_label(sample.label, sample.encoding)
        return self.cache.get(sample.label, _label_kind(sample), lambda: read_label(sample.label, sample.encoding))

    def check_cache_space(self) -> None:
        """With a cache: fail before training when the decoded copies still to be written do not fit its disk."""
        if self.cache is not None:
            files = [(s.image, IMAGE_KIND, 3) for s in self.samples] + [
                (s.label, _label_kind(s), 1) for s in self.samples
            ]
            self.cache.check_space(files)

    def read_pair(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """RGB uint8 [H, W, 3] and train ids uint8 [H, W], checked to be the same size."""
        image, label = self.read_image(index), self.read_label(index)
        if image.shape[:2] != label.shape:
            sample = self.samples[index]
            raise DatasetError(
                f"Image {sample.image} is {image.shape[1]}x{image.shape[0]} but its label {sample.label} is "
                f"{label.shape[1]}x{label.shape[0]} (width x height); they must match pixel for pixel."
            )
        return image, label

    def __getitem__(self, index: int) -> dict[str, Any]:
        image, label = self.read_pair(index)
        if self.transform is not None:
            out = self.transform(image=image, mask=label)
            image_tensor, label_tensor = out["image"], torch.as_tensor(out["mask"]).long()
        else:
            image_tensor = torch.from_numpy(np.array(image.transpose(2, 0, 1)))
            label_tensor = torch.from_numpy(np.array(label)).long()
        return {"image": image_tensor, "label": label_tensor, "path": str(self.samples[index].image)}


IMAGE_KIND = "rgb"


def _label_kind(sample: Sample) -> str:
    """Names how a label file is decoded, so a cached label map is never read back under another mapping."""
    encoding = sample.encoding
    return "label:" + hashlib.sha1(encoding.lookup.tobytes() + encoding.valid.tobytes()).hexdigest()[:12]


def index_files(folder: Path, suffixes: tuple[str, ...], recursive: bool, scan: Scan, kind: str) -> dict[str, Path]:
    """Files under ``folder`` with one of ``suffixes`` (any case), keyed by their path relative to ``folder``
    without the suffix; two files that differ only in suffix (a.jpg, a.png) are a problem, both are dropped."""
    pattern = "**/*" if recursive else "*"
    found: dict[str, Path] = {}
    clashes: set[str] = set()
    for path in sorted(folder.glob(pattern)):
        if path.suffix.lower() not in suffixes or not path.is_file():
            continue
        key = path.relative_to(folder).with_suffix("").as_posix()
        if key in found:
            clashes.add(key)
            scan.problems.append(f"{kind.capitalize()}s {found[key]} and {path} share the name {key!r}; keep one.")
        found[key] = path
    for key in clashes:
        del found[key]
    return found


def pair_files(
    scan: Scan,
    images: dict[str, Path],
    labels: dict[str, Path],
    encoding: LabelEncoding,
    expected_label: Callable[[str], Path],
    expected_image: Callable[[str], Path],
) -> None:
    """Append the pairs with equal keys to ``scan.samples`` and a problem for every file left alone."""
    for key in sorted(set(labels) - set(images)):
        scan.problems.append(
            f"Label {labels[key]} has no image: expected {expected_image(key)}. Restore the image or remove the label."
        )
    for key in sorted(images):
        if key in labels:
            scan.samples.append(Sample(images[key], labels[key], encoding))
        else:
            scan.problems.append(
                f"Image {images[key]} has no label: expected {expected_label(key)}. Add the label or remove the image."
            )
