from dataclasses import replace
from pathlib import Path

import class_weights
import pytest

TOY_CONFIG = str(Path(__file__).resolve().parents[2] / "configs" / "lraspp_small_toy.py")


def test_generates_a_missing_toy_set_and_prints_a_pasteable_override(tmp_path, capsys):
    root = tmp_path / "toy"
    overrides = [f"data.root={root}", "data.toy_train=3", "data.toy_val=1", "data.toy_image_size=(64,128)"]
    assert class_weights.main([TOY_CONFIG, "--set", *overrides]) == 0
    out = capsys.readouterr().out
    assert (root / "toy_cityscapes.json").is_file()
    assert out.startswith(f"3 label maps of {root} (train)")
    line = out.strip().splitlines()[-1]
    assert line.startswith("loss.class_weights=(")
    # The printed line is accepted by --set as it stands.
    assert class_weights.main([TOY_CONFIG, "--set", *overrides, line, "--power", "1"]) == 0


def test_missing_cityscapes_root_is_one_message(tmp_path, capsys):
    config = str(Path(TOY_CONFIG).with_name("lraspp_small_cityscapes.py"))
    argv = [config, "--set", f"data.root={tmp_path / 'nowhere'}"]
    assert class_weights.run_tool(class_weights.main, argv) == 2
    assert "datasets/README.md" in capsys.readouterr().err


def test_non_positive_power_is_refused(capsys):
    with pytest.raises(SystemExit) as stop:
        class_weights.main([TOY_CONFIG, "--power", "0"])
    assert stop.value.code == 2
    assert "--power must be positive" in capsys.readouterr().err


@pytest.mark.slow
def test_toy_config_class_weights_are_what_the_tool_derives_from_the_toy_set(tmp_path):
    """configs/lraspp_small_toy.py carries tools/class_weights.py's output; re-derive it from a fresh toy set."""
    from seg.config import load_config
    from seg.data.datasets import build_dataset
    from seg.data.stats import class_pixel_counts, median_frequency_weights
    from seg.synthetic.toy_cityscapes import make_toy_cityscapes

    config = load_config(TOY_CONFIG)
    data = config.data
    # Each image has its own random stream (seed, split, index): the val count does not change the train images.
    root = make_toy_cityscapes(tmp_path / "toy", data.toy_train, 1, data.toy_seed, data.toy_image_size, workers=2)
    counts = class_pixel_counts(
        build_dataset(replace(data, root=str(root)), data.train_split), config.model.num_classes
    )
    assert median_frequency_weights(counts, power=0.5) == config.loss.class_weights
