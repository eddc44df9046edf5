"""The dataset checks (every planted fault found in one run; the fast pre-fit check) and the decoded cache."""

import dataclasses
import io
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from replicas import make_folder_dataset

from seg.config import DataConfig
from seg.data.cache import DecodedCache
from seg.data.check import check_split, quick_check
from seg.data.datasets import build_dataset
from seg.data.io import truncation
from seg.errors import DatasetError

CLASSES = ("background", "weed", "crop")


def _plant_faults(root: Path) -> dict[str, Path]:
    """A truncated JPEG, a truncated PNG mask, a size mismatch, an out-of-range id, a missing mask, an orphan mask,
    and a grayscale image (a note, not a problem). Returns the files involved."""
    images = sorted((root / "images" / "train").rglob("*.*"))
    masks = {p.relative_to(root / "masks").with_suffix(""): p for p in (root / "masks").rglob("*.png")}

    def mask_of(image: Path) -> Path:
        return masks[image.relative_to(root / "images").with_suffix("")]

    jpegs = [p for p in images if p.suffix == ".jpg"]
    faults = {"truncated": jpegs[0], "mismatch": jpegs[1], "missing": jpegs[2], "gray": jpegs[3]}
    data = faults["truncated"].read_bytes()
    faults["truncated"].write_bytes(data[: len(data) // 2])
    image = cv2.imread(str(faults["mismatch"]))
    cv2.imwrite(str(faults["mismatch"]), image[:, :-8])
    mask_of(faults["missing"]).unlink()
    cv2.imwrite(str(faults["gray"]), cv2.cvtColor(cv2.imread(str(faults["gray"])), cv2.COLOR_BGR2GRAY))
    faults["bad_ids"] = mask_of(images[-1])
    label = np.asarray(Image.open(faults["bad_ids"])).copy()
    label[0, :3] = 9
    Image.fromarray(label, mode="L").save(faults["bad_ids"])
    faults["cut_mask"] = mask_of(images[-2])
    data = faults["cut_mask"].read_bytes()
    faults["cut_mask"].write_bytes(data[:-20])
    faults["orphan"] = root / "masks" / "train" / "day" / "orphan.png"
    Image.fromarray(label, mode="L").save(faults["orphan"])
    return faults


@pytest.fixture
def faulty(tmp_path: Path) -> tuple[DataConfig, dict[str, Path]]:
    root = make_folder_dataset(tmp_path / "set", CLASSES, {"train": 9, "val": 2}, size=(40, 56))
    return DataConfig(dataset="folder", root=str(root)), _plant_faults(root)


@pytest.mark.parametrize("workers", [1, 2])
def test_check_split_reports_every_planted_fault(faulty, workers):
    data, faults = faulty
    report = check_split(data, "train", workers=workers)
    text = "\n".join(report.problems)
    assert len(report.problems) == 6, text
    assert f"{faults['truncated']}: the file is truncated" in text
    assert f"{faults['cut_mask']}: the file is truncated" in text
    assert f"Image {faults['mismatch']} is 48x40 but its label" in text
    assert "has no label" in text and faults["missing"].name in text
    assert f"Label {faults['orphan']} has no image" in text
    assert f"Label {faults['bad_ids']} contains ids [9]" in text
    assert report.notes == {"grayscale": [str(faults["gray"])]}
    assert report.counts.shape == (3,) and report.counts.sum() > 0 and report.ignored > 0
    assert check_split(data, "val").ok


def test_quick_check_finds_the_header_faults_in_one_message(faulty):
    data, faults = faulty
    with pytest.raises(DatasetError) as error:
        quick_check(data, ["train", "val"])
    message = str(error.value)
    assert "has 5 problem(s)" in message and "tools/check_dataset.py CONFIG" in message  # all but the bad ids
    for key in ("truncated", "cut_mask", "mismatch"):
        assert str(faults[key]) in message


def test_decoded_cache_returns_the_decoded_pixels_and_follows_file_changes(tmp_path):
    root = make_folder_dataset(tmp_path / "set", CLASSES, {"train": 2}, size=(40, 56))
    data = DataConfig(dataset="folder", root=str(root))
    plain = build_dataset(data, "train")
    cached = build_dataset(dataclasses.replace(data, cache_dir=str(tmp_path / "cache")), "train")
    for _ in range(2):  # the first read decodes and writes, the second maps the copy
        for index in range(2):
            for a, b in zip(plain.read_pair(index), cached.read_pair(index), strict=True):
                np.testing.assert_array_equal(a, b)
    assert isinstance(cached.read_image(0), np.memmap)
    assert len(list((tmp_path / "cache").rglob("*.npy"))) == 4
    image = plain.samples[0].image
    cv2.imwrite(str(image), np.zeros((40, 56, 3), np.uint8))
    os.utime(image, ns=(1, 1))  # a replaced file: other size and time
    assert cached.read_image(0).max() == 0


def test_cache_space_is_checked_before_training(tmp_path, monkeypatch):
    root = make_folder_dataset(tmp_path / "set", CLASSES, {"train": 2}, size=(40, 56))
    dataset = build_dataset(DataConfig(dataset="folder", root=str(root), cache_dir=str(tmp_path / "c")), "train")
    dataset.check_cache_space()
    usage = type("Usage", (), {"free": 1000})
    monkeypatch.setattr("seg.data.cache.shutil.disk_usage", lambda path: usage)
    with pytest.raises(DatasetError, match=r"needs about 0.0 GB more .* has 0.0 GB free.*data.cache_dir=None"):
        dataset.check_cache_space()
    assert isinstance(DecodedCache(tmp_path / "c"), DecodedCache)


def test_truncation_follows_the_jpeg_and_png_structure():
    """Cut files are found at any cut; complete ones pass, including progressive JPEGs, end-of-image bytes inside
    EXIF, and data appended after the end marker (phones append videos to photos)."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)
    files = {}
    for name, options in (
        ("baseline", {}),
        ("progressive", {"progressive": True}),
        ("exif", {"exif": b"Exif\0\0" + b"\xff\xd9\xff\xda" * 8}),
    ):
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, "JPEG", **options)
        files[name] = buffer.getvalue()
    files["png"] = cv2.imencode(".png", image)[1].tobytes()
    for name, data in files.items():
        assert truncation(data) is None and truncation(data + rng.bytes(5000)) is None, name
        for cut in (20, len(data) // 2, len(data) - 2):
            assert truncation(data[:cut]) is not None, (name, cut)
