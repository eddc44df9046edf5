import dataclasses

import pytest
import torch
from torch import nn

from seg.config import ConfigError, EvalConfig
from seg.inference.modes import describe_inference, predict_probabilities

NUM_CLASSES = 4


def _model(kernel_size: int) -> nn.Module:
    torch.manual_seed(0)
    return nn.Conv2d(3, NUM_CLASSES, kernel_size, padding=kernel_size // 2).eval()


def _images(height: int = 13, width: int = 21) -> torch.Tensor:
    return torch.randn(2, 3, height, width, generator=torch.Generator().manual_seed(1))


WHOLE = EvalConfig()


def test_whole_image_is_softmax_of_the_model() -> None:
    model, images = _model(3), _images()
    probs = predict_probabilities(model, images, WHOLE, NUM_CLASSES, False)
    assert torch.allclose(probs, model(images).softmax(dim=1).detach())


def test_slide_equals_whole_when_one_window_covers_the_image() -> None:
    model, images = _model(3), _images()  # 3x3 kernel: any padding or shifted window would change the border
    slide = EvalConfig(mode="slide", crop_size=(13, 21), stride=(7, 7))
    assert torch.equal(
        predict_probabilities(model, images, slide, NUM_CLASSES, False),
        predict_probabilities(model, images, WHOLE, NUM_CLASSES, False),
    )


@pytest.mark.parametrize(
    ("crop_size", "stride"),
    [((8, 8), (5, 5)), ((5, 9), (5, 9)), ((6, 7), (1, 3)), ((32, 40), (16, 16))],  # overlap, tiling, dense, padded
)
def test_slide_equals_whole_for_a_pointwise_model(crop_size: tuple[int, int], stride: tuple[int, int]) -> None:
    # A 1x1 conv sees one pixel at a time, so every window reproduces the whole-image values;
    # a pixel no window covered (or a wrong overlap count) would break the equality.
    model, images = _model(1), _images()
    slide = EvalConfig(mode="slide", crop_size=crop_size, stride=stride)
    probs = predict_probabilities(model, images, slide, NUM_CLASSES, False)
    assert probs.shape == (2, NUM_CLASSES, 13, 21)
    assert torch.allclose(probs, predict_probabilities(model, images, WHOLE, NUM_CLASSES, False), atol=1e-6)


def test_flip_is_undone_before_averaging() -> None:
    images = _images()
    # A 1x1 conv is flip-equivariant: flipping, predicting and flipping back must give the same map.
    pointwise = _model(1)
    flip = EvalConfig(flip=True)
    assert torch.allclose(
        predict_probabilities(pointwise, images, flip, NUM_CLASSES, False),
        predict_probabilities(pointwise, images, WHOLE, NUM_CLASSES, False),
        atol=1e-6,
    )
    # A 3x3 conv is not: the flip pass then changes the average (the flip really runs).
    spatial = _model(3)
    assert not torch.allclose(
        predict_probabilities(spatial, images, flip, NUM_CLASSES, False),
        predict_probabilities(spatial, images, WHOLE, NUM_CLASSES, False),
        atol=1e-4,
    )


def test_multi_scale_returns_probabilities_at_input_size() -> None:
    model, images = _model(3), _images()
    for eval_config in (
        EvalConfig(scales=(0.5, 1.0, 1.75)),
        EvalConfig(mode="slide", crop_size=(8, 8), stride=(6, 6), flip=True, scales=(0.75, 1.5)),
    ):
        probs = predict_probabilities(model, images, eval_config, NUM_CLASSES, False)
        assert probs.shape == (2, NUM_CLASSES, 13, 21)
        assert torch.allclose(probs.sum(dim=1), torch.ones(2, 13, 21), atol=1e-5)
    # A model that ignores its input predicts the same at every scale: the average is unchanged.
    constant = nn.Conv2d(3, NUM_CLASSES, 1).eval()
    nn.init.zeros_(constant.weight)
    multi = predict_probabilities(constant, images, EvalConfig(scales=(0.5, 2.0)), NUM_CLASSES, False)
    assert torch.allclose(multi, predict_probabilities(constant, images, WHOLE, NUM_CLASSES, False), atol=1e-6)


def test_describe_inference() -> None:
    assert describe_inference(WHOLE) == "whole image, single scale"
    slide = EvalConfig(mode="slide", crop_size=(769, 769), stride=(513, 513), flip=True, scales=(0.75, 1.0, 1.25))
    assert describe_inference(slide) == "slide 769x769 stride 513x513, flip, scales 0.75,1.0,1.25"
    assert describe_inference(EvalConfig(scales=(0.5,))) == "whole image, scale 0.5"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mode": "tiles"}, "eval.mode='tiles'"),
        ({"mode": "slide", "stride": (4, 4)}, "eval.crop_size=None"),
        ({"mode": "slide", "crop_size": (8, 8)}, "eval.stride=None"),
        ({"mode": "slide", "crop_size": (8, 0), "stride": (4, 4)}, "eval.crop_size=\\(8, 0\\)"),
        ({"mode": "slide", "crop_size": (8, 8), "stride": (9, 4)}, "eval.stride=\\(9, 4\\) is larger"),
        ({"scales": (1.0, 0.0)}, "eval.scales"),
        ({"scales": ()}, "eval.scales"),
    ],
)
def test_bad_eval_config_names_the_key(changes: dict, message: str) -> None:
    bad = dataclasses.replace(WHOLE, **changes)
    with pytest.raises(ConfigError, match=message):
        describe_inference(bad)
    with pytest.raises(ConfigError, match=message):
        predict_probabilities(_model(1), _images(), bad, NUM_CLASSES, False)


def test_model_misuse_is_reported() -> None:
    with pytest.raises(ValueError, match="model.eval\\(\\)"):
        predict_probabilities(_model(1).train(), _images(), WHOLE, NUM_CLASSES, False)
    with pytest.raises(ValueError, match="expects 5 classes"):
        predict_probabilities(_model(1), _images(), WHOLE, 5, False)
