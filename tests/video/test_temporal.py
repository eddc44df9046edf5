import numpy as np
import pytest

from seg.video.temporal import FlickerMeter, ProbabilityEMA


def test_ema_follows_the_documented_recurrence():
    rng = np.random.default_rng(0)
    frames = [rng.dirichlet(np.ones(3), size=(4, 5)).transpose(2, 0, 1).astype(np.float32) for _ in range(3)]
    ema = ProbabilityEMA(0.75)
    expected = frames[0]
    np.testing.assert_allclose(ema(frames[0]), expected)  # p_0 = q_0
    for q in frames[1:]:
        expected = 0.75 * expected + 0.25 * q
        np.testing.assert_allclose(ema(q), expected, rtol=1e-6)
    assert ProbabilityEMA(0.0)(frames[1]) is frames[1]  # off: untouched
    ema.reset()
    np.testing.assert_allclose(ema(frames[2]), frames[2])
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        ProbabilityEMA(1.0)


def test_flicker_is_the_mean_changed_fraction():
    meter = FlickerMeter()
    a = np.zeros((2, 5), dtype=np.uint8)
    b = a.copy()
    b[0, :2] = 3  # 2 of 10 pixels change
    assert meter.update(a) is None and meter.value is None
    assert meter.update(b) == pytest.approx(0.2)
    assert meter.update(b) == 0.0
    assert meter.value == pytest.approx(0.1) and meter.pairs == 2


def test_smoothing_lowers_flicker_of_noisy_probabilities():
    rng = np.random.default_rng(0)
    truth = rng.dirichlet(np.ones(4), size=(32, 32)).transpose(2, 0, 1)
    raw, smooth, ema = FlickerMeter(), FlickerMeter(), ProbabilityEMA(0.8)
    for _ in range(30):
        noisy = np.clip(truth + rng.normal(0, 0.15, truth.shape), 1e-3, None).astype(np.float32)
        noisy /= noisy.sum(0)
        raw.update(noisy.argmax(0))
        smooth.update(ema(noisy).argmax(0))
    assert smooth.value < 0.5 * raw.value
