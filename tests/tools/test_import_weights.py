"""tools/import_weights.py: torchvision's LR-ASPP imported, equal to torchvision's own model, and its errors."""

from dataclasses import replace
from pathlib import Path

import import_weights
import pytest
import torch
import torchvision

from seg.config import load_config
from seg.models import build_model, load_weights, read_checkpoint_config

REPO = Path(__file__).resolve().parents[2]
COCO_VOC = REPO / "configs" / "lraspp_large_coco_voc.py"


def _randomised(model: torch.nn.Module, seed: int = 1) -> torch.nn.Module:
    """Random weights everywhere and random BatchNorm statistics, so no term of the forward is trivial."""
    generator = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.weight.data.copy_(torch.randn(m.weight.shape, generator=generator) * (2.0 / m.weight[0].numel()) ** 0.5)
            if m.bias is not None:
                m.bias.data.copy_(torch.randn(m.bias.shape, generator=generator) * 0.1)
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
    return model.eval()


def _run(argv: list[str]) -> int:
    """The tool as the command line runs it: a user error is one line on stderr and exit status 2."""
    return import_weights.run_tool(import_weights.main, argv)


def _torchvision_lraspp(num_classes: int = 21) -> torch.nn.Module:
    # weights=None, weights_backbone=None: nothing is downloaded.
    builder = torchvision.models.segmentation.lraspp_mobilenet_v3_large
    return _randomised(builder(weights=None, weights_backbone=None, num_classes=num_classes))


@pytest.fixture(scope="module")
def torchvision_file(tmp_path_factory):
    reference = _torchvision_lraspp()
    path = tmp_path_factory.mktemp("torchvision") / "lraspp.pth"
    torch.save(reference.state_dict(), path)
    return reference, path


def test_imported_model_equals_torchvision(torchvision_file, tmp_path, capsys):
    reference, source = torchvision_file
    output = tmp_path / "coco_voc.ckpt"
    assert import_weights.main([str(source), "--output", str(output)]) == 0
    assert "wrote" in capsys.readouterr().out
    config = read_checkpoint_config(output)
    assert config is not None and config.model == load_config(COCO_VOC).model
    ours = load_weights(build_model(config.model), output).eval()
    for batch, size in ((2, (64, 96)), (1, (97, 131))):
        images = torch.randn(batch, 3, *size, generator=torch.Generator().manual_seed(2))
        with torch.no_grad():
            expected = reference(images)["out"]
            got = ours(images)
        assert expected.abs().max() > 1.0  # logits of a size where a wrong tap or gate shows
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    # The test can tell readings apart: the same weights behind our own stride-8 tap give other logits.
    other = load_weights(build_model(replace(config.model, low_level_tap="last_block")), output).eval()
    with torch.no_grad():
        assert (other(images) - expected).abs().max() > 1e-2


def test_other_class_count_names_the_classifier(tmp_path, capsys):
    source = tmp_path / "nineteen.pth"
    torch.save(_torchvision_lraspp(num_classes=19).state_dict(), source)
    assert _run([str(source), "--output", str(tmp_path / "x.ckpt")]) == 2
    message = capsys.readouterr().err
    assert "classifier.high_classifier.weight (19, 128, 1, 1) vs (21, 128, 1, 1)" in message
    assert "Its classifier has 19 classes but the config sets model.num_classes=21" in message
    assert message.count("\n") == 1  # one paragraph
    assert not (tmp_path / "x.ckpt").exists()


def test_other_architecture_names_the_keys(torchvision_file, tmp_path, capsys):
    _, source = torchvision_file
    # The authors' reading (RF2 with a 336 expansion, the 120-channel depthwise tap) does not fit torchvision's weights.
    config = REPO / "configs" / "lraspp_large_cityscapes.py"
    assert _run([str(source), "--output", str(tmp_path / "x.ckpt"), "--config", str(config)]) == 2
    message = capsys.readouterr().err
    assert "backbone.13.block.0.0.weight (672, 112, 1, 1) vs (336, 112, 1, 1)" in message
    assert "another architecture than the config's" in message and "configs/lraspp_large_coco_voc.py" in message

    deeplab = tmp_path / "deeplabv3.pth"
    builder = torchvision.models.segmentation.deeplabv3_mobilenet_v3_large
    torch.save(builder(weights=None, weights_backbone=None, num_classes=21, aux_loss=False).state_dict(), deeplab)
    assert _run([str(deeplab), "--output", str(tmp_path / "y.ckpt")]) == 2
    message = capsys.readouterr().err
    assert "keys this model has no place for, e.g. classifier.0.convs.0.0.weight" in message
    assert "of this model's tensors are missing, e.g. head.cbr.0.weight" in message


def test_unreadable_sources_are_one_line_errors(tmp_path, capsys):
    assert _run([str(tmp_path / "missing.pth"), "--output", str(tmp_path / "x.ckpt")]) == 2
    assert "does not exist" in capsys.readouterr().err
    text = tmp_path / "notes.pth"
    text.write_text("not a state dict")
    assert _run([str(text), "--output", str(tmp_path / "x.ckpt")]) == 2
    assert "cannot be read as a PyTorch state dict" in capsys.readouterr().err
