import pytest
import torch

from seg.config import Config, ModelConfig, config_to_dict
from seg.models import CheckpointError, build_model, load_weights, read_checkpoint_config
from seg.models.checkpoint import check_model_config, model_differences


def _small(**changes) -> ModelConfig:
    return ModelConfig(**{"backbone": "mobilenet_v3_small", "head_channels": 16, **changes})


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


def _save(path, config: Config) -> None:
    model = build_model(config.model)
    torch.save({"state_dict": {f"model.{k}": v for k, v in model.state_dict().items()},
                "hyper_parameters": {"config": config_to_dict(config)}}, path)  # fmt: skip


def test_class_count_mismatch_leads_with_the_fix_and_names_both_counts(tmp_path):
    _save(tmp_path / "m.ckpt", Config(model=_small(num_classes=20)))
    with pytest.raises(CheckpointError, match=r"^Omit the config .* predicts 20 classes where this model has 19"):
        load_weights(build_model(_small()), tmp_path / "m.ckpt")
    torch.save(build_model(_small(num_classes=20)).state_dict(), tmp_path / "plain.pth")
    with pytest.raises(CheckpointError, match=r"^Pass the config .*plain.pth was trained with: .*model.num_classes=20"):
        load_weights(build_model(_small()), tmp_path / "plain.pth")


def test_every_differing_model_field_is_listed_with_its_effect():
    stored = _small(pool="global")
    given = _small(pool="paper", output_stride=8, head_channels=32, backbone_weights="imagenet.pth")
    found = {d.field: d.effect for d in model_differences(stored, given)}
    assert found == {"pool": "network", "output_stride": "network", "head_channels": "weights",
                     "backbone_weights": "none"}  # fmt: skip


def test_a_network_changing_difference_is_refused_unless_allowed(tmp_path):
    stored = Config(model=_small(pool="global"), name="toy_run")
    path = tmp_path / "run" / "checkpoints" / "best.ckpt"
    path.parent.mkdir(parents=True)
    (tmp_path / "run" / "config.py").write_text(
        f"from seg.config import config_from_dict\n\nconfig = config_from_dict({config_to_dict(stored)!r})\n"
    )
    other = Config(model=_small(pool="paper"))
    with pytest.raises(CheckpointError) as error:
        check_model_config(other, stored, path, "configs/x.py")
    message = str(error.value)
    assert message.startswith(
        f"Omit the config (the checkpoint rebuilds its own model) or pass {tmp_path}/run/config.py"
    )
    assert "model.pool='paper' (the checkpoint has 'global')" in message and "--allow-model-mismatch" in message
    notes = check_model_config(other, stored, path, "configs/x.py", allow_mismatch=True)
    assert notes and "model.pool='paper'" in notes[-1]
    # Only the ImageNet initialisation differs: a note, never an error.
    inert = Config(model=_small(pool="global", backbone_weights="x.pth"))
    assert "only initialises training" in check_model_config(inert, stored, path, "configs/x.py")[0]
    # A difference in the weights' shapes cannot be allowed.
    with pytest.raises(CheckpointError, match="weights' shapes: model.head_channels=32"):
        check_model_config(Config(model=_small(head_channels=32)), stored, path, "configs/x.py", allow_mismatch=True)
    with pytest.raises(CheckpointError, match=r"^Drop the --set overrides of model.pool"):
        check_model_config(other, stored, path, "--set")


def test_architecture_mismatch_and_unreadable_files(tmp_path):
    torch.save(build_model(_small()).state_dict(), tmp_path / "small.pth")
    with pytest.raises(CheckpointError, match="does not fit this model"):
        load_weights(build_model(ModelConfig()), tmp_path / "small.pth")
    (tmp_path / "bad.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_weights(build_model(_small()), tmp_path / "bad.ckpt")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_weights(build_model(_small()), tmp_path / "missing.ckpt")
