"""eval.pad_to: the authors' evaluation pads the image (bottom and right, the mean pixel = 0 once normalised) and
takes the argmax of the logits cropped back to the image."""

import numpy as np
import pytest
import torch
from torch import nn

from seg.config import ConfigError, EvalConfig, validate_eval
from seg.inference.card import ModelCard
from seg.inference.modes import describe_inference, predict_probabilities
from seg.inference.predictor import Predictor, TorchRunner


class SizeDependent(nn.Module):
    """Logits that depend on the whole input (a global mean), so padding changes them, as the gate pool does."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.conv(images) * images.mean(dim=(1, 2, 3), keepdim=True).sigmoid()


@pytest.fixture
def model() -> nn.Module:
    torch.manual_seed(0)
    return SizeDependent().eval()


def test_probabilities_are_those_of_the_padded_image_cropped_back(model):
    images = torch.randn(2, 3, 11, 13) + 1.0
    probs = predict_probabilities(model, images, EvalConfig(pad_to=(16, 20)), 4, False)
    padded = torch.nn.functional.pad(images, (0, 7, 0, 5))
    with torch.no_grad():
        expected = model(padded).softmax(dim=1)[..., :11, :13]
    torch.testing.assert_close(probs, expected)
    unpadded = predict_probabilities(model, images, EvalConfig(), 4, False)
    assert not torch.allclose(probs, unpadded)  # the padding reaches the network
    # An image already as large as pad_to is not padded (nor cropped).
    torch.testing.assert_close(predict_probabilities(model, images, EvalConfig(pad_to=(8, 8)), 4, False), unpadded)


def test_predictor_labels_follow_the_padding(model):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 11, 13, 3), dtype=np.uint8)
    mean, std = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)
    padded = Predictor(TorchRunner(model), ModelCard(4, mean, std), eval=EvalConfig(pad_to=(16, 20)))
    labels = padded.predict(images)
    batch = (torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.5
    with torch.no_grad():
        expected = model(torch.nn.functional.pad(batch, (0, 7, 0, 5)))[..., :11, :13].argmax(dim=1)
    np.testing.assert_array_equal(labels, expected.numpy().astype(np.uint8))
    assert "padded to 16x20" in padded.describe()


def test_pad_to_is_validated():
    assert describe_inference(EvalConfig(pad_to=(1025, 2049))) == "whole image padded to 1025x2049, single scale"
    for bad in (
        EvalConfig(pad_to=(0, 10)),
        EvalConfig(pad_to=(10,)),
        EvalConfig(mode="slide", crop_size=(8, 8), stride=(8, 8), pad_to=(9, 9)),
    ):
        with pytest.raises(ConfigError, match="eval.pad_to"):
            validate_eval(bad)
