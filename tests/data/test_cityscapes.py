from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from seg.classes import LABELID_TO_TRAINID
from seg.data.cityscapes import CityscapesDataset, create_train_id_labels
from seg.errors import DatasetError

IMAGE = "leftImg8bit/train/toycity-a/toycity-a_000000_000019_leftImg8bit.png"
TRAIN_IDS = "gtFine/train/toycity-a/toycity-a_000000_000019_gtFine_labelTrainIds.png"
LABEL_IDS = "gtFine/train/toycity-a/toycity-a_000000_000019_gtFine_labelIds.png"


def test_pairs_images_with_train_id_labels(toy_root: Path) -> None:
    dataset = CityscapesDataset(toy_root, "train")
    assert len(dataset) == 4
    item = dataset[0]
    assert item["path"] == str(toy_root / IMAGE)
    assert item["image"].dtype == torch.uint8 and item["image"].shape == (3, 64, 128)
    assert item["label"].dtype == torch.int64 and item["label"].shape == (64, 128)
    stored = cv2.imread(str(toy_root / TRAIN_IDS), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(item["label"].numpy(), stored)
    rgb = cv2.cvtColor(cv2.imread(str(toy_root / IMAGE)), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(item["image"].permute(1, 2, 0).numpy(), rgb)
    assert len(CityscapesDataset(toy_root, "val")) == 2


def test_label_ids_only_tree_is_mapped_to_train_ids(toy_copy: Path, toy_root: Path) -> None:
    for path in toy_copy.glob("gtFine/*/*/*_labelTrainIds.png"):
        path.unlink()
    dataset = CityscapesDataset(toy_copy, "train")
    label_ids = cv2.imread(str(toy_copy / LABEL_IDS), cv2.IMREAD_UNCHANGED)
    expected = cv2.imread(str(toy_root / TRAIN_IDS), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(LABELID_TO_TRAINID[label_ids], expected)
    np.testing.assert_array_equal(dataset[0]["label"].numpy(), expected)


def test_prepare_recreates_train_ids_with_cityscapesscripts(toy_copy: Path, toy_root: Path) -> None:
    for path in toy_copy.glob("gtFine/*/*/*_labelTrainIds.png"):
        path.unlink()
    assert create_train_id_labels(toy_copy) == 6
    for path in toy_root.glob("gtFine/*/*/*_labelTrainIds.png"):
        assert (toy_copy / path.relative_to(toy_root)).read_bytes() == path.read_bytes()


def test_prepare_without_annotations_is_explained(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="gtFine_trainvaltest.zip"):
        create_train_id_labels(tmp_path)


def test_missing_root_and_empty_split(tmp_path: Path, toy_root: Path) -> None:
    with pytest.raises(DatasetError, match=r"does not exist.*datasets/README.md.*make_toy_cityscapes.py"):
        CityscapesDataset(tmp_path / "nowhere", "train")
    with pytest.raises(DatasetError, match=r"No images found for split 'test'.*leftImg8bit/<split>/<city>"):
        CityscapesDataset(toy_root, "test")


def test_image_without_label(toy_copy: Path) -> None:
    (toy_copy / TRAIN_IDS).unlink()
    (toy_copy / LABEL_IDS).unlink()
    with pytest.raises(DatasetError, match="has no label") as error:
        CityscapesDataset(toy_copy, "train")
    assert IMAGE in str(error.value) and TRAIN_IDS in str(error.value)


def test_label_without_image(toy_copy: Path) -> None:
    (toy_copy / IMAGE).unlink()
    with pytest.raises(DatasetError, match="has no image") as error:
        CityscapesDataset(toy_copy, "train")
    assert IMAGE in str(error.value) and "toycity-a_000000_000019_gtFine_label" in str(error.value)


@pytest.mark.parametrize("target", [IMAGE, TRAIN_IDS])
def test_corrupt_file_is_named(toy_copy: Path, target: str) -> None:
    (toy_copy / target).write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    dataset = CityscapesDataset(toy_copy, "train")
    with pytest.raises(DatasetError, match="Cannot read") as error:
        dataset[0]
    assert target in str(error.value)


@pytest.mark.parametrize(("target", "bad"), [(TRAIN_IDS, 19), (TRAIN_IDS, 200), (LABEL_IDS, 34)])
def test_label_ids_outside_the_table(toy_copy: Path, target: str, bad: int) -> None:
    if target == LABEL_IDS:
        (toy_copy / TRAIN_IDS).unlink()
    label = cv2.imread(str(toy_copy / target), cv2.IMREAD_UNCHANGED)
    label[:2, :2] = bad
    cv2.imwrite(str(toy_copy / target), label)
    with pytest.raises(DatasetError, match=rf"contains ids \[{bad}\] outside the Cityscapes table") as error:
        CityscapesDataset(toy_copy, "train")[0]
    assert target in str(error.value)


def test_size_mismatch_names_both_files(toy_copy: Path) -> None:
    image = cv2.imread(str(toy_copy / IMAGE))
    cv2.imwrite(str(toy_copy / IMAGE), image[:, :100])
    with pytest.raises(DatasetError, match=r"is 100x64 but its label .* is 128x64") as error:
        CityscapesDataset(toy_copy, "train")[0]
    assert IMAGE in str(error.value) and TRAIN_IDS in str(error.value)


@pytest.mark.parametrize("channels", [1, 4])
def test_grayscale_and_rgba_are_converted(toy_copy: Path, channels: int) -> None:
    bgr = cv2.imread(str(toy_copy / IMAGE))
    converted = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if channels == 1 else cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
    cv2.imwrite(str(toy_copy / IMAGE), converted)
    image = CityscapesDataset(toy_copy, "train")[0]["image"]
    assert image.shape == (3, 64, 128)
    if channels == 1:
        assert torch.equal(image[0], image[1]) and torch.equal(image[1], image[2])
    else:
        expected = torch.from_numpy(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)).permute(2, 0, 1)
        assert torch.equal(image, expected)
