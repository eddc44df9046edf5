"""``data.dataset`` -> the layout that finds its files: the one table every tool builds datasets from.

``build_dataset(data, split, transform)`` is what the DataModule, evaluation, the dataset checker and the
browser call; each layout's scan lives in its own module (seg/data/cityscapes.py, ade20k.py, voc.py,
camvid.py, folder.py) and the classes of each dataset in seg/classes.py.
"""

from __future__ import annotations

from collections.abc import Callable

from seg.classes import DATASET_CLASSES, DATASETS, FOLDER
from seg.config import DataConfig
from seg.data.ade20k import scan_ade20k
from seg.data.camvid import scan_camvid
from seg.data.cityscapes import scan_cityscapes
from seg.data.dataset import Scan, SegmentationDataset, Transform
from seg.data.folder import scan_folder
from seg.data.voc import scan_voc
from seg.errors import DatasetError


def _cityscapes(data: DataConfig, split: str) -> Scan:
    return scan_cityscapes(data.root, split)


def _ade20k(data: DataConfig, split: str) -> Scan:
    return scan_ade20k(data.root, split)


def _voc(data: DataConfig, split: str) -> Scan:
    return scan_voc(data.root, split)


def _camvid(data: DataConfig, split: str) -> Scan:
    return scan_camvid(data.root, split)


def _folder(data: DataConfig, split: str) -> Scan:
    return scan_folder(data.root, split, data.ignore_index)


LAYOUTS: dict[str, Callable[[DataConfig, str], Scan]] = {
    "cityscapes": _cityscapes,
    "toy": _cityscapes,  # generated in the Cityscapes layout
    "ade20k": _ade20k,
    "voc": _voc,
    "camvid": _camvid,
    FOLDER: _folder,
}
assert tuple(LAYOUTS) == DATASETS and set(DATASET_CLASSES) | {FOLDER} == set(LAYOUTS)


def scan_split(data: DataConfig, split: str) -> Scan:
    """The pairs of ``split`` and every pairing problem, without raising for the problems."""
    if data.dataset not in LAYOUTS:
        raise DatasetError(f"Unknown data.dataset={data.dataset!r}; use one of {', '.join(map(repr, DATASETS))}.")
    if data.dataset != FOLDER and data.ignore_index != 255:
        raise DatasetError(
            f"data.ignore_index={data.ignore_index}, but data.dataset={data.dataset!r} marks unlabelled pixels with "
            "255; set data.ignore_index=255 (only the folder format's masks choose their own ignore value)."
        )
    return LAYOUTS[data.dataset](data, split)


def build_dataset(data: DataConfig, split: str, transform: Transform | None = None) -> SegmentationDataset:
    """The dataset of ``split``; a pairing problem raises DatasetError naming the file."""
    return SegmentationDataset(scan_split(data, split), transform, data.cache_dir)
