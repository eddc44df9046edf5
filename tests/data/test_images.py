"""The one image lister (unique output names) and the reader's messages about the user's own files."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from seg.data.cityscapes import CityscapesDataset
from seg.data.images import ImageReadError, list_images, read_image


def _png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.zeros((4, 6, 3), dtype=np.uint8))
    return path


def test_same_named_images_keep_their_relative_paths(tmp_path):
    a, b = _png(tmp_path / "a" / "frame.png"), _png(tmp_path / "b" / "frame.png")
    assert [(i.path, i.name) for i in list_images([a, b])] == [(a, Path("a/frame")), (b, Path("b/frame"))]
    assert [i.name for i in list_images([tmp_path])] == [Path("a/frame"), Path("b/frame")]
    assert [i.name for i in list_images([tmp_path / "a", tmp_path / "b"])] == [Path("a/frame"), Path("b/frame")]
    assert [i.name for i in list_images([a])] == [Path("frame")]


def test_names_differing_only_in_the_suffix_keep_it_and_duplicates_are_listed_once(tmp_path):
    png, jpg = _png(tmp_path / "x.png"), _png(tmp_path / "x.JPG")
    _png(tmp_path / "sub" / "y.png")
    (tmp_path / "notes.txt").write_text("not an image")
    names = [i.name for i in list_images([tmp_path, png])]
    assert names == [Path("sub/y"), Path("x_jpg"), Path("x_png")]
    assert [i.path for i in list_images([tmp_path], recursive=False)] == [jpg, png]
    with pytest.raises(FileNotFoundError, match="no such image file or folder"):
        list_images([tmp_path / "missing.png"])
    assert list_images([]) == []


def test_an_unreadable_photo_is_named_without_dataset_advice(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ImageReadError, match=r"Cannot read image .*photo.jpg: not a valid image file") as error:
        read_image(tmp_path / "photo.jpg")
    assert "zip" not in str(error.value) and "Cityscapes" not in str(error.value)
    with pytest.raises(ImageReadError, match="the file does not exist"):
        read_image(tmp_path / "gone.png")


def test_a_cityscapes_image_that_cannot_be_read_gets_the_dataset_hint(toy_copy):
    dataset = CityscapesDataset(toy_copy, "val")
    image_path = dataset.samples[0].image
    image_path.write_bytes(b"truncated")
    with pytest.raises(ImageReadError, match="Re-extract it from leftImg8bit_trainvaltest.zip"):
        dataset[0]
