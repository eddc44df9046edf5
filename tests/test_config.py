import dataclasses
from pathlib import Path

import pytest

from seg.config import (
    Config,
    ConfigError,
    ModelConfig,
    apply_overrides,
    config_from_dict,
    config_to_dict,
    format_config,
    load_config,
)

TOY = Path(__file__).resolve().parents[1] / "configs" / "lraspp_small_toy.py"


def test_overrides_are_type_checked_and_applied():
    config = apply_overrides(Config(), ["model.output_stride=8", "data.augment.crop_size=[512, 1024]", "model.head=raspp",
                                        "model.backbone_weights=None", "optim.lr=1", "trainer.channels_last=true"])  # fmt: skip
    assert config.model.output_stride == 8 and config.model.head == "raspp"
    assert config.data.augment.crop_size == (512, 1024)
    assert config.optim.lr == 1.0 and isinstance(config.optim.lr, float)
    assert config.trainer.channels_last is True
    assert config.model.backbone_weights is None


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "model.outputstride=8",
            r"Unknown config key 'model.outputstride': did you mean --set model.output_stride=8\?.*valid keys here: "
            r"model.backbone, .*model.output_stride",
        ),
        (
            "modle.head=x",
            r"Unknown config key 'modle.head': did you mean --set model.head=x\?.*valid keys here: model, data",
        ),
        ("model.output_stride=eight", r"Config key 'model.output_stride': cannot use 'eight'; expected int"),
        ("data.augment.crop_size=[1, 2, 3]", r"needs 2 items"),
        ("model=3", r"Config key 'model' is a section; set one of its fields: model.backbone"),
        ("model.output_stride", r"must look like section.field=value"),
        ("trainer.channels_last=maybe", r"not true/false"),
    ],
)
def test_bad_overrides_fail_with_the_valid_keys(override, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(Config(), [override])


def test_misspelled_field_in_a_config_file_names_valid_fields(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("from seg.config import Config, ModelConfig\nconfig = Config(model=ModelConfig(outputstride=8))\n")
    with pytest.raises(
        ConfigError,
        match=r"bad.py: .*unexpected keyword argument 'outputstride'.*Valid fields of ModelConfig: backbone",
    ):
        load_config(path)


def test_config_file_must_define_config(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("x = 1\n")
    with pytest.raises(ConfigError, match="must define `config = Config"):
        load_config(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.py")


def test_variant_imports_its_base_and_base_is_reread(tmp_path):
    (tmp_path / "base.py").write_text(
        "from seg.config import Config, ModelConfig\nconfig = Config(model=ModelConfig(head_channels=64))\n"
    )
    (tmp_path / "variant.py").write_text(
        "from dataclasses import replace\nfrom base import config as base\nconfig = replace(base, model=replace(base.model, pool='paper'))\n"
    )
    config = load_config(tmp_path / "variant.py")
    assert config.model.head_channels == 64 and config.model.pool == "paper" and config.name == "variant"
    (tmp_path / "base.py").write_text(
        "from seg.config import Config, ModelConfig\nconfig = Config(model=ModelConfig(head_channels=32))\n"
    )
    assert load_config(tmp_path / "variant.py").model.head_channels == 32


def test_round_trip_and_frozen():
    config = apply_overrides(Config(), ["model.atrous_rates=(3, 6, 9)", "loss.class_weights=[1, 2]"])
    assert config_from_dict(config_to_dict(config)) == config
    assert "model.atrous_rates = (3, 6, 9)" in format_config(config)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.model.head = "x"  # type: ignore[misc]
    with pytest.raises(ConfigError, match="Unknown ModelConfig fields"):
        config_from_dict({"model": {"nope": 1}})
    assert ModelConfig().reduced_tail is True


@pytest.mark.parametrize(
    ("overrides", "fixes"),
    [
        # A fixed interval and an uncapped warmup break two rules at once: both are named, each with its fix.
        (
            ["trainer.max_steps=5", "trainer.val_every_n_steps=2", "optim.warmup_max_fraction=1.0"],
            ["--set trainer.val_every_n_steps=1", "trainer.val_every_n_steps=0", "--set optim.warmup_steps=0"],
        ),
        (["model.output_stride=12"], ["--set model.output_stride=16"]),
        (["trainer.precision=16"], ["--set trainer.precision=16-mixed"]),
        (["optim.optimizer=adam"], ["--set optim.optimizer=adamw"]),
        (["eval.mode=slide"], ["--set eval.crop_size=(769,769)", "--set eval.mode=whole"]),
        (["data.num_workers=-1"], ["--set data.num_workers=0"]),
    ],
)
def test_validation_errors_suggest_the_override_that_fixes_them(overrides, fixes):
    with pytest.raises(ConfigError) as error:
        load_config(TOY, overrides)
    assert all(fix in str(error.value) for fix in fixes), str(error.value)
