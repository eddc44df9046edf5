"""Each published layout (ADE20K, Pascal VOC + SBD, CamVid) and the folder format, read from small generated
replicas (tests/replicas.py): pairing, label encodings, class sets, and the problems they report."""

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from replicas import make_ade20k, make_camvid, make_folder_dataset, make_voc

from seg.classes import (
    ADE20K,
    CAMVID,
    DATASET_CLASSES,
    DATASETS,
    PASCAL_VOC,
    check_num_classes,
    dataset_classes,
    read_classes_file,
    resolve_classes,
)
from seg.config import Config, DataConfig, ModelConfig
from seg.data.datasets import LAYOUTS, build_dataset, scan_split
from seg.data.voc import prepare_voc_aug
from seg.errors import DatasetError

FOLDER_CLASSES = ("soil", "weed", "crop", "stone")


@pytest.fixture(scope="module")
def replicas(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("replicas")
    return {
        "ade20k": make_ade20k(tmp / "ADEChallengeData2016", train=3, val=2),
        "voc": make_voc(tmp / "voc", train=3, val=2, sbd=3),
        "camvid": make_camvid(tmp / "camvid", {"train": 3, "val": 2, "test": 1}),
        "folder": make_folder_dataset(tmp / "folder", FOLDER_CLASSES, {"train": 4, "val": 2}, palette_masks=True),
    }


def _data(dataset: str, root: Path, **changes) -> DataConfig:
    return dataclasses.replace(DataConfig(dataset=dataset, root=str(root), num_workers=0), **changes)


def test_every_dataset_has_a_layout_and_classes():
    assert set(LAYOUTS) == set(DATASETS) == set(DATASET_CLASSES) | {"folder"}
    assert len(ADE20K.names) == 150 and ADE20K.names[:3] == ("wall", "building", "sky")
    assert len(PASCAL_VOC.names) == 21 and PASCAL_VOC.palette[:3] == ((0, 0, 0), (128, 0, 0), (0, 128, 0))
    assert PASCAL_VOC.palette[15] == (192, 128, 128)  # person, in the devkit's colour map
    assert len(CAMVID.names) == 11 and CAMVID.names[-1] == "bicyclist"
    for classes in DATASET_CLASSES.values():
        assert len(classes.palette) == len(classes.names) == len(set(classes.names))


def test_ade20k_shifts_ids_and_ignores_other(replicas):
    for split, count in (("training", 3), ("validation", 2), ("val", 2)):  # "val" is accepted for "validation"
        assert len(build_dataset(_data("ade20k", replicas["ade20k"]), split)) == count
    dataset = build_dataset(_data("ade20k", replicas["ade20k"]), "training")
    stored = np.asarray(Image.open(dataset.samples[0].label))
    label = dataset[0]["label"].numpy()
    np.testing.assert_array_equal(label[stored == 0], 255)
    np.testing.assert_array_equal(label[stored > 0], stored[stored > 0].astype(np.int64) - 1)


def test_voc_reads_palette_indices_and_keeps_borders(replicas):
    dataset = build_dataset(_data("voc", replicas["voc"]), "train")
    assert len(dataset) == 3 and Image.open(dataset.samples[0].label).mode == "P"
    label = dataset[0]["label"].numpy()
    assert set(np.unique(label)) <= set(range(21)) | {255} and (label == 255).any()
    # A folder holding VOCdevkit/VOC2012 works as the root too.
    assert len(build_dataset(_data("voc", replicas["voc"].parents[1]), "val")) == 2
    with pytest.raises(DatasetError, match=r"train_aug.txt does not exist.*prepare_voc_aug.py.*data.train_split=train"):
        build_dataset(_data("voc", replicas["voc"]), "train_aug")


def test_voc_aug_split_from_sbd(replicas, tmp_path):
    voc = Path(shutil.copytree(replicas["voc"].parents[1], tmp_path / "voc")) / "VOCdevkit" / "VOC2012"
    counts = prepare_voc_aug(voc, replicas["voc"].parents[1] / "benchmark_RELEASE")
    ids = (voc / "ImageSets" / "Segmentation" / "train_aug.txt").read_text().split()
    val = (voc / "ImageSets" / "Segmentation" / "val.txt").read_text().split()
    # VOC train (3) + SBD's 3 extra images; SBD's copy of a VOC val image is left out.
    assert len(ids) == counts["train_aug"] == 6 and not set(ids) & set(val)
    assert counts == {"train_aug": 6, "voc": 3, "sbd": 3}
    dataset = build_dataset(_data("voc", voc), "train_aug")
    assert len(dataset) == 6 and all(
        set(np.unique(dataset[i]["label"].numpy())) <= set(range(21)) | {255} for i in range(6)
    )


@pytest.mark.parametrize("renamed", [False, True])
def test_camvid_pairs_both_namings_and_ignores_unlabelled(tmp_path, renamed):
    root = make_camvid(tmp_path / "camvid", {"train": 3, "val": 1}, renamed=renamed)
    dataset = build_dataset(_data("camvid", root), "train")
    assert len(dataset) == 3
    stored = np.asarray(Image.open(dataset.samples[0].label))
    label = dataset[0]["label"].numpy()
    assert (stored == 11).any()
    np.testing.assert_array_equal(label[stored == 11], 255)
    np.testing.assert_array_equal(label[stored < 11], stored[stored < 11])


def test_folder_format_nested_folders_palette_masks_and_classes(replicas):
    data = _data("folder", replicas["folder"])
    dataset = build_dataset(data, "train")
    assert len(dataset) == 4 and {p.image.suffix for p in dataset.samples} == {".jpg", ".png"}
    assert {p.image.parent.name for p in dataset.samples} == {"day", "night"}
    label = dataset[0]["label"]
    assert label.dtype == torch.int64 and set(label.unique().tolist()) <= {0, 1, 2, 3, 255}
    classes = dataset_classes(data)
    assert classes.names == FOLDER_CLASSES and classes.palette == PASCAL_VOC.palette[:4]


def test_classes_file_rules(tmp_path):
    (tmp_path / "classes.txt").write_text("background\ntraffic light 250 170 30\nroad\n\n")
    classes = read_classes_file(tmp_path)
    assert classes.names == ("background", "traffic light", "road")  # names may hold spaces; trailing blanks dropped
    assert classes.palette == ((0, 0, 0), (250, 170, 30), (0, 128, 0))
    for text, message in (
        ("a\n\nb\n", "line 2 is empty"),
        ("a\nb\na\n", "'a' is already class 0"),
        ("a 1 2 300\n", "above 255"),
        ("", "lists no class"),
    ):
        (tmp_path / "classes.txt").write_text(text)
        with pytest.raises(DatasetError, match=message):
            read_classes_file(tmp_path)
    with pytest.raises(DatasetError, match=r"needs .*nowhere/classes.txt.*--set data.root=DIR"):
        read_classes_file(tmp_path / "nowhere")


def test_folder_classes_resolve_into_the_config_and_are_checked_against_the_file(replicas, tmp_path):
    root = Path(shutil.copytree(replicas["folder"], tmp_path / "folder"))
    config = resolve_classes(Config(model=ModelConfig(num_classes=0), data=_data("folder", root)))
    assert config.model.num_classes == 4 and config.data.class_names == FOLDER_CLASSES
    assert check_num_classes(config) == FOLDER_CLASSES
    (root / "classes.txt").write_text("soil\nweed\ncrop\nstone\nsand\n")  # the file changed after the run started
    with pytest.raises(DatasetError, match=r"lists 5 classes .* but the config has data.class_names"):
        check_num_classes(config)
    with pytest.raises(DatasetError, match="model.num_classes=4 but data.dataset='folder' has 5 classes"):
        check_num_classes(
            dataclasses.replace(config, data=dataclasses.replace(config.data, class_names=(), palette=()))
        )


def test_pairing_problems_are_all_reported_and_the_first_raised(replicas, tmp_path):
    root = Path(shutil.copytree(replicas["folder"], tmp_path / "folder"))
    masks = sorted((root / "masks" / "train").rglob("*.png"))
    masks[0].unlink()  # an image without a mask
    shutil.copy(masks[1], masks[1].with_name("orphan.png"))  # a mask without an image
    scan = scan_split(_data("folder", root), "train")
    assert len(scan.problems) == 2 and len(scan.samples) == 3
    assert any("has no label" in p and masks[0].name in p for p in scan.problems)
    assert any("orphan.png has no image" in p for p in scan.problems)
    with pytest.raises(DatasetError, match=r"1 more like it: `python tools/check_dataset.py CONFIG`"):
        build_dataset(_data("folder", root), "train")


def test_out_of_range_ids_name_the_file_and_the_class_list(replicas, tmp_path):
    root = Path(shutil.copytree(replicas["folder"], tmp_path / "folder"))
    mask = sorted((root / "masks" / "train").rglob("*.png"))[0]
    label = np.asarray(Image.open(mask)).copy()
    label[0, 0] = 7
    Image.fromarray(label, mode="L").save(mask)
    dataset = build_dataset(_data("folder", root), "train")
    index = next(i for i, s in enumerate(dataset.samples) if s.label == mask)
    with pytest.raises(DatasetError, match=r"contains ids \[7\] outside the classes of .*classes.txt \(0..3\)"):
        dataset[index]


def test_published_datasets_need_ignore_index_255(replicas):
    with pytest.raises(DatasetError, match="set data.ignore_index=255"):
        build_dataset(_data("camvid", replicas["camvid"], ignore_index=254), "train")


@pytest.mark.parametrize(
    ("dataset", "train", "val"),
    [
        ("ade20k", "training", "validation"),
        ("voc", "train", "val"),
        ("camvid", "train", "val"),
        ("folder", "train", "val"),
    ],
)
def test_every_layout_feeds_the_datamodule(replicas, dataset, train, val):
    from seg.train.datamodule import SegmentationDataModule

    data = _data(dataset, replicas[dataset], train_split=train, val_split=val, batch_size=2)
    data = dataclasses.replace(data, augment=dataclasses.replace(data.augment, crop_size=(32, 40)))
    module = SegmentationDataModule(data)
    module.prepare_data()
    module.setup("fit")  # runs the fast check first
    batch = next(iter(module.train_dataloader()))
    assert batch["image"].shape == (2, 3, 32, 40) and batch["image"].dtype == torch.uint8
    assert batch["label"].max() <= 255 and set(batch["label"].unique().tolist()) <= set(
        range(len(dataset_classes(data).names))
    ) | {255}
    assert next(iter(module.val_dataloader()))["image"].shape[0] == 1
