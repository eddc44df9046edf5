import dataclasses

import cv2
import numpy as np
import pytest
import torch

from seg.config import AugmentConfig, DataConfig
from seg.data.normalize import Normalizer
from seg.data.transforms import (
    CropWindow,
    TrainTransform,
    build_train_transform,
    build_val_transform,
    mean_pixel,
    reference_train_transform,
)


def _config(scale_range=(0.5, 2.0), crop_size=(64, 64), color_jitter=0.0) -> DataConfig:
    return DataConfig(
        augment=AugmentConfig(
            scale_range=scale_range, crop_size=crop_size, color_jitter=color_jitter, color_jitter_p=1.0
        )
    )


def _blocks(height: int, width: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A label of 16x16 blocks of trainIds, and an image whose grey level is 10 * trainId."""
    rng = np.random.default_rng(seed)
    label = np.kron(rng.integers(0, 19, size=(height // 16, width // 16)), np.ones((16, 16), dtype=np.int64)).astype(
        np.uint8
    )
    return np.repeat((label * 10)[..., None], 3, axis=2), label


def _denormalize(image: torch.Tensor, data: DataConfig) -> np.ndarray:
    """The pixels a transform hands out (uint8 [3, H, W]) as float [H, W, 3]."""
    assert image.dtype == torch.uint8
    return image.permute(1, 2, 0).numpy().astype(np.float64)


def test_augmentation_keeps_image_and_mask_aligned() -> None:
    data = _config()
    transform = build_train_transform(data)
    image, label = _blocks(96, 160, seed=0)
    for seed in range(20):
        transform.set_random_seed(seed)
        out = transform(image=image, mask=label)
        assert out["image"].shape == (3, 64, 64) and out["image"].dtype == torch.uint8
        mask = np.asarray(out["mask"])
        assert mask.shape == (64, 64)
        assert set(np.unique(mask)) <= set(np.unique(label)) | {255}  # nearest: no blended ids
        gray = _denormalize(out["image"], data)[..., 0]
        # Away from block edges (where bilinear image resizing blends neighbours) grey == 10 * label.
        kernel = np.ones((5, 5), np.uint8)
        interior = (cv2.erode(mask, kernel) == cv2.dilate(mask, kernel)) & (mask != 255)
        interior[:2], interior[-2:], interior[:, :2], interior[:, -2:] = False, False, False, False  # crop edges
        agree = np.abs(gray[interior] - 10.0 * mask[interior]) < 3
        assert interior.sum() > 500 and agree.mean() > 0.99, f"seed {seed}: {agree.mean():.3f} of interior pixels agree"


def test_padding_uses_the_mean_pixel_and_ignore_label() -> None:
    data = _config(scale_range=(1.0, 1.0), crop_size=(64, 64))
    image, label = _blocks(32, 48, seed=1)
    out = build_train_transform(data)(image=image, mask=label)
    mask = np.asarray(out["mask"])
    padded = mask == 255
    assert padded.sum() == 64 * 64 - 32 * 48
    normalised = Normalizer(data.mean, data.std)(out["image"][None])[0]
    assert np.abs(normalised.permute(1, 2, 0).numpy()[padded]).max() < 0.03  # the mean normalises to ~0
    np.testing.assert_allclose(
        _denormalize(out["image"], data)[padded], np.broadcast_to(mean_pixel(data), (padded.sum(), 3)), atol=0.5
    )


def test_color_jitter_changes_colours_not_labels() -> None:
    data = dataclasses.replace(_config(scale_range=(1.0, 1.0), crop_size=(96, 160), color_jitter=0.4))
    image, label = _blocks(96, 160, seed=2)
    transform = build_train_transform(data)
    transform.set_random_seed(0)
    out = transform(image=image + 40, mask=label)
    mask = np.asarray(out["mask"])
    assert np.array_equal(mask, label) or np.array_equal(mask, label[:, ::-1])
    assert not np.allclose(_denormalize(out["image"], data)[..., 0], (image + 40)[..., 0], atol=2)


def test_val_transform_keeps_the_pixels() -> None:
    data = _config()
    image, label = _blocks(96, 160, seed=3)
    out = build_val_transform(data)(image=image, mask=label)
    assert out["image"].shape == (3, 96, 160)
    np.testing.assert_array_equal(np.asarray(out["mask"]), label)
    np.testing.assert_allclose(_denormalize(out["image"], data), image, atol=1e-3)


def _scene(height: int, width: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noise-textured blocks: every pixel differs, so any resampling difference shows."""
    rng = np.random.default_rng(seed)
    image, label = _blocks(height, width, seed)
    noise = rng.integers(0, 60, size=image.shape, dtype=np.uint8)
    return (image // 2 + noise).astype(np.uint8), label


@pytest.mark.parametrize(
    ("size", "crop", "scales"),
    [((96, 160), (64, 64), (0.5, 2.0)), ((72, 136), (80, 96), (0.5, 1.5)), ((50, 70), (48, 48), (0.9, 3.0))],
)
def test_crop_first_equals_the_albumentations_pipeline_under_the_same_draws(size, crop, scales) -> None:
    """TrainTransform.apply, given the scale, crop and flip albumentations drew, returns its very pixels and labels
    (padding included: crops larger than the scaled image, odd sizes, upscaling past 2x)."""
    data = _config(scale_range=scales, crop_size=crop)
    reference = reference_train_transform(data)
    reference.set_random_seed(0)
    fast = TrainTransform(data)
    image, label = _scene(*size, seed=4)
    flips = 0
    for _ in range(40):
        out = reference(image=image, mask=label)
        drawn = dict(out["applied_transforms"])
        x_min, y_min = drawn["RandomCrop"]["crop_coords"][:2]
        flips += "HorizontalFlip" in drawn
        window = CropWindow(drawn["RandomScale"]["scale"], y_min, x_min, "HorizontalFlip" in drawn)
        fast_image, fast_mask = fast.apply(image, label, window)
        np.testing.assert_array_equal(fast_image, out["image"].permute(1, 2, 0).numpy())
        np.testing.assert_array_equal(fast_mask, np.asarray(out["mask"]))
    assert 5 < flips < 35


def _ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The largest gap between the two samples' empirical distribution functions."""
    grid = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(np.sort(a), grid, side="right") / len(a)
    cdf_b = np.searchsorted(np.sort(b), grid, side="right") / len(b)
    return float(np.abs(cdf_a - cdf_b).max())


def test_crop_first_draws_like_the_albumentations_pipeline() -> None:
    """The draws themselves: scale uniform on the range, crop offsets uniform over the valid positions, flips at 0.5."""
    data = _config(scale_range=(0.5, 2.0), crop_size=(24, 24))
    reference = reference_train_transform(data)
    reference.set_random_seed(1)
    fast = TrainTransform(data)
    fast.set_random_seed(1)
    image, label = _blocks(32, 48, seed=5)
    ours, theirs = [], []
    for _ in range(1500):
        window = fast.sample(32, 48)
        ours.append((window.scale, window.top / max(1, int(32 * window.scale) - 24 + 1), window.flip))
        drawn = dict(reference(image=image, mask=label)["applied_transforms"])
        scale = drawn["RandomScale"]["scale"]
        top = drawn["RandomCrop"]["crop_coords"][1] / max(1, int(32 * scale) - 24 + 1)
        theirs.append((scale, top, "HorizontalFlip" in drawn))
    ours_a, theirs_a = np.array(ours, dtype=float), np.array(theirs, dtype=float)
    for column in range(3):  # two-sample Kolmogorov-Smirnov distance of each draw
        assert _ks_distance(ours_a[:, column], theirs_a[:, column]) < 0.06  # p ~ 0.01 at n = 1500
    assert abs(ours_a[:, 0].mean() - 1.25) < 0.03 and abs(ours_a[:, 2].mean() - 0.5) < 0.04


def test_each_process_draws_its_own_sequence_from_torch_seed() -> None:
    """A transform seeds itself from torch.initial_seed() on first use in a process (each loader worker has its own);
    the same seed gives the same draws."""
    data = _config()
    draws = []
    for seed in (3, 3, 4):
        torch.manual_seed(seed)
        transform = TrainTransform(data)
        draws.append([transform.sample(96, 160) for _ in range(5)])
    assert draws[0] == draws[1] and draws[0] != draws[2]
