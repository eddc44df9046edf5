import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from seg.config import AugmentConfig, DataConfig
from seg.errors import DatasetError
from seg.synthetic.toy_cityscapes import MARKER_FILE
from seg.train.datamodule import SegmentationDataModule, per_device_batch_size


def _toy_config(root: Path, **changes) -> DataConfig:
    config = DataConfig(
        dataset="toy", root=str(root), batch_size=4, val_batch_size=1, num_workers=0,
        augment=AugmentConfig(scale_range=(0.5, 1.0), crop_size=(32, 64)),
        toy_train=4, toy_val=2, toy_seed=0, toy_image_size=(64, 128),
    )  # fmt: skip
    return dataclasses.replace(config, **changes)


def _attach(module: SegmentationDataModule, world_size: int) -> None:
    module.trainer = SimpleNamespace(world_size=world_size, strategy=SimpleNamespace(root_device=torch.device("cpu")))


def test_per_device_batch_size() -> None:
    assert per_device_batch_size(16, 1) == 16
    assert per_device_batch_size(16, 4) == 4
    with pytest.raises(DatasetError, match=r"data.batch_size=16 .* number of devices \(3\)"):
        per_device_batch_size(16, 3)


def test_batch_is_split_across_devices(toy_root: Path) -> None:
    module = SegmentationDataModule(_toy_config(toy_root))
    module.prepare_data()  # the finished toy set matching the config is reused
    module.setup("fit")
    _attach(module, world_size=2)
    loader = module.train_dataloader()
    assert loader.batch_size == 2 and loader.drop_last and not loader.pin_memory
    batch = next(iter(loader))
    assert batch["image"].shape == (2, 3, 32, 64) and batch["label"].shape == (2, 32, 64)
    assert batch["label"].dtype == torch.int64
    val = module.val_dataloader()
    assert val.batch_size == 1 and next(iter(val))["image"].shape == (1, 3, 64, 128)
    _attach(module, world_size=3)
    with pytest.raises(DatasetError, match="devices"):
        module.train_dataloader()


def test_prepare_generates_the_toy_set_once(toy_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "toy"
    module = SegmentationDataModule(_toy_config(root))
    module.prepare_data()
    assert json.loads((root / MARKER_FILE).read_text())["train"] == 4
    assert sorted(p.name for p in root.rglob("*.png")) == sorted(p.name for p in toy_root.rglob("*.png"))
    stamp = (root / MARKER_FILE).stat().st_mtime_ns
    module.prepare_data()
    assert (root / MARKER_FILE).stat().st_mtime_ns == stamp
    with pytest.raises(DatasetError, match=r"generated with .*'seed': 0.* asks for .*'seed': 1"):
        SegmentationDataModule(_toy_config(root, toy_seed=1)).prepare_data()


def test_prepare_refuses_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "something.txt").write_text("not a toy set")
    with pytest.raises(DatasetError, match="holds no finished toy set"):
        SegmentationDataModule(_toy_config(tmp_path)).prepare_data()
    with pytest.raises(DatasetError, match="toy_train and data.toy_val"):
        SegmentationDataModule(_toy_config(tmp_path / "new", toy_train=0)).prepare_data()


def test_missing_cityscapes_and_unknown_dataset(tmp_path: Path) -> None:
    config = _toy_config(tmp_path / "missing", dataset="cityscapes")
    with pytest.raises(DatasetError, match=r"does not exist.*datasets/README.md"):
        SegmentationDataModule(config).prepare_data()
    with pytest.raises(DatasetError, match=r"Unknown data.dataset='kitti'; use one of 'cityscapes', 'toy'"):
        SegmentationDataModule(dataclasses.replace(config, dataset="kitti"))
