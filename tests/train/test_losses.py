import pytest
import torch
import torch.nn.functional as F

from seg.train.losses import SegmentationLoss


def _batch(num_classes=4, shape=(2, 6, 5), seed=0):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(shape[0], num_classes, *shape[1:], generator=generator)
    target = torch.randint(0, num_classes, shape, generator=generator)
    return logits, target


def test_mean_over_non_ignored_pixels_matches_cross_entropy():
    logits, target = _batch()
    target[0, :3] = 255
    expected = F.cross_entropy(logits, target, ignore_index=255)
    assert torch.allclose(SegmentationLoss(4)(logits, target), expected)
    # Ignored pixels do not dilute the mean: the loss equals the mean over the valid ones only.
    valid = target != 255
    per_pixel = F.cross_entropy(logits, target.clamp(max=3), reduction="none")[valid]
    assert torch.allclose(SegmentationLoss(4)(logits, target), per_pixel.mean())


def test_all_ignored_batch_gives_zero_not_nan_and_backpropagates():
    logits, target = _batch()
    logits.requires_grad_(True)
    loss = SegmentationLoss(4)(logits, torch.full_like(target, 255))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.count_nonzero(logits.grad) == 0


def test_class_weights_match_torch_weighted_mean():
    logits, target = _batch()
    target[1, 0] = 255
    weights = (1.0, 2.0, 0.5, 3.0)
    expected = F.cross_entropy(logits, target, weight=torch.tensor(weights), ignore_index=255)
    assert torch.allclose(SegmentationLoss(4, class_weights=weights)(logits, target), expected)


def test_class_weights_length_is_checked():
    with pytest.raises(ValueError, match="loss.class_weights has 2 values but there are 4 classes"):
        SegmentationLoss(4, class_weights=(1.0, 2.0))


def test_ohem_keeps_hard_pixels_and_at_least_min_kept():
    num_classes = 3
    target = torch.zeros(1, 1, 4, dtype=torch.long)
    # True-class probabilities rise from hard to easy: pixel 0 hardest, pixel 3 easiest.
    margins = torch.tensor([-2.0, 0.0, 2.0, 6.0])
    logits = torch.zeros(1, num_classes, 1, 4)
    logits[0, 0, 0] = margins
    per_pixel = F.cross_entropy(logits, target, reduction="none").flatten()
    probs = logits.softmax(1)[0, 0, 0]
    threshold = float((probs[1] + probs[2]) / 2)  # keeps pixels 0 and 1
    loss = SegmentationLoss(num_classes, ohem=True, ohem_threshold=threshold, ohem_min_kept=0)(logits, target)
    assert torch.allclose(loss, per_pixel[:2].mean())
    # min_kept=3 raises the threshold to the 3rd hardest pixel.
    loss = SegmentationLoss(num_classes, ohem=True, ohem_threshold=threshold, ohem_min_kept=3)(logits, target)
    assert torch.allclose(loss, per_pixel[:3].mean())
    # min_kept beyond the number of valid pixels keeps them all.
    loss = SegmentationLoss(num_classes, ohem=True, ohem_threshold=threshold, ohem_min_kept=100)(logits, target)
    assert torch.allclose(loss, per_pixel.mean())


def test_ohem_ignores_ignored_pixels():
    logits, target = _batch()
    target[0] = 255
    loss = SegmentationLoss(4, ohem=True, ohem_threshold=1.0, ohem_min_kept=0)(logits, target)
    assert torch.allclose(loss, F.cross_entropy(logits, target, ignore_index=255))


def test_loss_is_float32_for_half_logits():
    logits, target = _batch()
    loss = SegmentationLoss(4)(logits.to(torch.bfloat16), target)
    assert loss.dtype == torch.float32
