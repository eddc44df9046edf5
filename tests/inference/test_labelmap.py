"""Label maps from low-resolution logits: equal to the full-resolution bilinear argmax, without its memory."""

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seg.config import load_config
from seg.inference.labelmap import LowResolutionLogits, bilinear_taps, label_map
from seg.inference.metrics import agreement
from seg.inference.resize import resize
from seg.models import build_model
from seg.synthetic.weights import settle_batchnorm

REPO = Path(__file__).resolve().parents[2]


def label_map_exact(logits: np.ndarray, size: tuple[int, int], align_corners: bool = False) -> np.ndarray:
    """The reference: the one resize rule on float32 logits, then the argmax."""
    scores = resize(torch.from_numpy(np.ascontiguousarray(logits, dtype=np.float32)), size, align_corners)
    return scores.max(dim=1).indices.to(torch.uint8).numpy()


def smooth_logits(batch: int, classes: int, size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """Class scores that vary smoothly over the image (regions with boundaries between them), like a
    network's stride-8 logits, plus a little pixel noise so boundaries are ragged."""
    rng = np.random.default_rng(seed)
    coarse = torch.from_numpy(rng.standard_normal((batch, classes, max(2, size[0] // 6), max(2, size[1] // 6))))
    smooth = F.interpolate(coarse.float() * 4, size=size, mode="bicubic", align_corners=False).numpy()
    return smooth + 0.05 * rng.standard_normal(smooth.shape).astype(np.float32)


@pytest.mark.parametrize(
    ("low", "size"),
    [((8, 16), (64, 128)), ((64, 128), (512, 1024)), ((9, 17), (65, 131)), ((16, 16), (100, 37)), ((5, 7), (5, 7))],
)
def test_equals_the_exact_bilinear_argmax(low, size):
    logits = smooth_logits(2, 19, low)
    fast, exact = label_map(logits, size), label_map_exact(logits, size)
    assert fast.dtype == np.uint8 and fast.shape == (2, *size)
    # Exact up to classes within float rounding (~1e-6) of each other, which these logits do not have.
    np.testing.assert_array_equal(fast, exact)


def test_never_builds_full_resolution_float_logits():
    logits = smooth_logits(1, 19, (64, 128))
    full_resolution_logits = 19 * 512 * 1024 * 4
    tracemalloc.start()
    try:
        label_map(logits, (512, 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < full_resolution_logits / 8, peak


def test_uniform_logits_need_no_interpolation():
    logits = np.zeros((1, 3, 4, 4), np.float32)
    logits[0, 2] = 1.0
    np.testing.assert_array_equal(label_map(logits, (32, 32)), np.full((1, 32, 32), 2, np.uint8))


def test_taps_reproduce_pytorch_bilinear_resize():
    """The separable taps, applied as the fast path applies them, give F.interpolate's values to float rounding."""
    values = torch.randn(1, 1, 7, 11)
    rows, cols = bilinear_taps(7, 30), bilinear_taps(11, 45)
    plane = values[0, 0].numpy()
    along_x = (1 - cols[2]) * plane[:, cols[0]] + cols[2] * plane[:, cols[1]]
    ours = (1 - rows[2][:, None]) * along_x[rows[0]] + rows[2][:, None] * along_x[rows[1]]
    theirs = F.interpolate(values, size=(30, 45), mode="bilinear", align_corners=False)[0, 0].numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)


def test_rejects_logits_without_a_batch_axis():
    with pytest.raises(ValueError, match=r"\[N, C, h, w\]"):
        label_map(np.zeros((3, 4, 4), np.float32), (8, 8))


def test_low_resolution_export_wrapper_gives_the_full_models_labels():
    """The segmentor's labels (its own final bilinear resize, then argmax) from the stride-8 logits alone."""
    config = load_config(REPO / "configs" / "lraspp_small_cityscapes.py", ["model.width_mult=0.35"])
    torch.manual_seed(0)
    model = settle_batchnorm(build_model(config.model), input_size=(64, 128), batches=1)
    images = torch.randn(2, 3, 67, 130)
    with torch.inference_mode():
        low = LowResolutionLogits(model)(images).numpy()
        full = model(images).argmax(1).numpy()
    assert low.shape == (2, 19, 9, 17)  # stride 8, rounded up by each stride-2 convolution
    assert agreement([(label_map(low, (67, 130), config.model.align_corners), full)]) >= 0.9999


def test_align_corners_taps_match_pytorch():
    """The authors' resizes (align_corners=True): label_map follows the same taps as F.interpolate."""
    logits = np.random.default_rng(3).normal(size=(1, 5, 9, 17)).astype(np.float32)
    got, expected = label_map(logits, (67, 130), True), label_map_exact(logits, (67, 130), True)
    assert agreement([(got, expected)]) >= 0.9999
