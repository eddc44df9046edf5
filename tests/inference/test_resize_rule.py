"""The one resize rule and the one preprocessing rule (seg.inference.resize, Predictor.preprocess).

Every resize around the network (the input per scale, logits to the pass's size, probabilities back to the
image, a fixed input size) is bilinear with the model's own ``align_corners``; numpy and tensor images take
one route. The runner here returns logits at a quarter of its input, as the decoders do before their last
upsampling, so every one of those resizes does something.
"""

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from seg.config import EvalConfig, load_config
from seg.inference.card import ModelCard
from seg.inference.predictor import Predictor, TorchRunner

RELEASED = Path(__file__).resolve().parents[2] / "configs" / "lraspp_large_cityscapes_released.py"
SCALES = (0.75, 1.25)


@pytest.fixture(scope="module")
def released_card() -> ModelCard:
    """The card of the authors' released LR-ASPP reading: align_corners=True (their resize_bilinear)."""
    card = ModelCard.from_config(load_config(RELEASED))
    assert card.align_corners
    return card


def quarter_resolution_network(classes: int) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, classes, 3, 2, 1)).eval()


def images(count: int = 2, size: tuple[int, int] = (45, 70), seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, *size, 3), dtype=np.uint8)


def bilinear(batch: torch.Tensor, size: tuple[int, int], align_corners: bool) -> torch.Tensor:
    return F.interpolate(batch, size=size, mode="bilinear", align_corners=align_corners)


def multi_scale_reference(network: nn.Module, card: ModelCard, pixels: np.ndarray, align_corners: bool) -> torch.Tensor:
    """Multi-scale probabilities written out by hand with one convention for every resize."""
    batch = torch.from_numpy(pixels).permute(0, 3, 1, 2).float()
    mean = torch.tensor(card.mean).view(1, 3, 1, 1) * 255
    std = torch.tensor(card.std).view(1, 3, 1, 1) * 255
    normalised = (batch - mean) / std
    height, width = normalised.shape[-2:]
    total = torch.zeros(len(pixels), card.num_classes, height, width)
    with torch.no_grad():
        for scale in SCALES:
            size = (round(height * scale), round(width * scale))
            logits = network(bilinear(normalised, size, align_corners))
            probabilities = bilinear(logits, size, align_corners).softmax(dim=1)
            total += bilinear(probabilities, (height, width), align_corners)
    return total / len(SCALES)


def test_multi_scale_evaluation_uses_the_models_align_corners_for_every_resize(released_card):
    network = quarter_resolution_network(released_card.num_classes)
    predictor = Predictor(TorchRunner(network), released_card, eval=EvalConfig(scales=SCALES))
    pixels = images()
    got = predictor.probabilities(torch.from_numpy(pixels).permute(0, 3, 1, 2))
    torch.testing.assert_close(got, multi_scale_reference(network, released_card, pixels, True), atol=1e-5, rtol=1e-5)
    # The other convention gives other probabilities: the comparison above can tell them apart.
    other = multi_scale_reference(network, released_card, pixels, False)
    assert (got - other).abs().max() > 1e-3


@pytest.mark.parametrize("align_corners", [False, True])
def test_numpy_and_tensor_images_become_the_same_batch_at_a_fixed_input_size(released_card, align_corners):
    card = ModelCard(released_card.num_classes, released_card.mean, released_card.std, align_corners=align_corners)
    predictor = Predictor(TorchRunner(quarter_resolution_network(card.num_classes)), card, input_size=(48, 80))
    pixels = images()
    from_numpy = predictor.preprocess(pixels)
    from_tensor = predictor.preprocess(torch.from_numpy(pixels).permute(0, 3, 1, 2))
    assert from_numpy.shape == (2, 3, 48, 80)
    torch.testing.assert_close(from_numpy, from_tensor, rtol=0, atol=0)
    # One image [H, W, 3] is a batch of one, through the same route.
    torch.testing.assert_close(predictor.preprocess(pixels[0]), from_numpy[:1], rtol=0, atol=0)
    # Normalised first, then resized by the model's convention.
    normalised = predictor.normalize(torch.from_numpy(pixels).permute(0, 3, 1, 2))
    torch.testing.assert_close(from_numpy, bilinear(normalised, (48, 80), align_corners), rtol=0, atol=0)
