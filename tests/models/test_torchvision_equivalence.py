"""Our encoders against torchvision's own MobileNets, with the same weights loaded through backbone_weights."""

import warnings

import pytest
import torch
import torchvision

from seg.models.backbones import MobileNetV2Encoder, MobileNetV3Encoder


def _randomise_batchnorm(model: torch.nn.Module) -> None:
    generator = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=generator) * 0.1)


CASES = [
    (arch, output_stride, reduced_tail)
    for arch in ("large", "small")
    for output_stride in (16, 32)
    for reduced_tail in (False, True)
]


@pytest.mark.parametrize(("arch", "output_stride", "reduced_tail"), CASES)
def test_high_features_equal_torchvision(tmp_path, arch, output_stride, reduced_tail):
    builder = getattr(torchvision.models, f"mobilenet_v3_{arch}")
    reference = builder(weights=None, dilated=output_stride == 16, reduced_tail=reduced_tail).eval()
    _randomise_batchnorm(reference)
    path = tmp_path / "imagenet.pth"
    torch.save(reference.state_dict(), path)

    ours = MobileNetV3Encoder(arch, output_stride=output_stride, reduced_tail=reduced_tail).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same architecture: nothing may be left at initialisation
        assert ours.load_imagenet(path) == []
    x = torch.randn(1, 3, 96, 160)
    with torch.no_grad():
        expected = reference.features(x)
        got = ours(x)["high"]
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_mobilenet_v2_matches_torchvision_features(tmp_path):
    reference = torchvision.models.mobilenet_v2(weights=None).eval()
    _randomise_batchnorm(reference)
    path = tmp_path / "v2.pth"
    torch.save(reference.state_dict(), path)
    ours = MobileNetV2Encoder(output_stride=32).eval()
    ours.load_imagenet(path)
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        expected = reference.features[:-1](x)  # without the 1x1 conv to 1280 channels
        got = ours(x)["high"]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_full_weights_into_reduced_tail_warn_and_list_tail_tensors(tmp_path):
    path = tmp_path / "full.pth"
    torch.save(torchvision.models.mobilenet_v3_large(weights=None).state_dict(), path)
    ours = MobileNetV3Encoder("large", output_stride=16, reduced_tail=True)
    before = ours.features[1].block[0][0].weight.clone()
    with pytest.warns(UserWarning, match="tail tensors do not fit the reduced tail") as record:
        left = ours.load_imagenet(path)
    assert left and all(
        name.startswith(("features.13.", "features.14.", "features.15.", "features.16.")) for name in left
    )
    assert "features.14.block.0.0.weight" in str(record[0].message)
    assert not torch.equal(before, ours.features[1].block[0][0].weight)  # the rest did load


def test_other_mismatches_are_errors_naming_keys(tmp_path):
    path = tmp_path / "small.pth"
    torch.save(torchvision.models.mobilenet_v3_small(weights=None).state_dict(), path)
    with pytest.raises(ValueError, match=r"does not fit MobileNetV3Encoder: .*features\.1\."):
        MobileNetV3Encoder("large").load_imagenet(path)


def test_missing_weights_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.backbone_weights=.*does not exist"):
        MobileNetV3Encoder("large").load_imagenet(tmp_path / "nope.pth")
