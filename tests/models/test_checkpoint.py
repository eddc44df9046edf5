import pytest
import torch

from seg.config import Config, ModelConfig, config_to_dict
from seg.models import CheckpointError, build_model, load_weights, read_checkpoint_config


def _small(**changes) -> ModelConfig:
    return ModelConfig(backbone="mobilenet_v3_small", head_channels=16, **changes)


def test_lightning_and_plain_checkpoints_load(tmp_path):
    model = build_model(_small())
    config = Config(model=_small())
    ckpt = {
        "state_dict": {f"model.{k}": v for k, v in model.state_dict().items()},
        "hyper_parameters": {"config": config_to_dict(config)},
    }
    torch.save(ckpt, tmp_path / "a.ckpt")
    torch.save(model.state_dict(), tmp_path / "b.pth")
    for path in (tmp_path / "a.ckpt", tmp_path / "b.pth"):
        other = build_model(_small())
        load_weights(other, path)
        assert all(
            torch.equal(a, b) for a, b in zip(other.state_dict().values(), model.state_dict().values(), strict=True)
        )
    assert read_checkpoint_config(tmp_path / "a.ckpt") == config
    assert read_checkpoint_config(tmp_path / "b.pth") is None


def test_class_count_mismatch_names_both_counts(tmp_path):
    model = build_model(_small(num_classes=20))
    torch.save({"state_dict": {f"model.{k}": v for k, v in model.state_dict().items()},
                "hyper_parameters": {"config": config_to_dict(Config(model=_small(num_classes=20)))}}, tmp_path / "m.ckpt")  # fmt: skip
    with pytest.raises(CheckpointError, match=r"trained for 20 classes .* model.num_classes=19.*model.num_classes=20"):
        load_weights(build_model(_small()), tmp_path / "m.ckpt")


def test_architecture_mismatch_and_unreadable_files(tmp_path):
    torch.save(build_model(_small()).state_dict(), tmp_path / "small.pth")
    with pytest.raises(CheckpointError, match="does not fit this model"):
        load_weights(build_model(ModelConfig()), tmp_path / "small.pth")
    (tmp_path / "bad.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_weights(build_model(_small()), tmp_path / "bad.ckpt")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_weights(build_model(_small()), tmp_path / "missing.ckpt")
