"""The multi-resolution STFT magnitude loss: what it sees (spectra, timing) and what it ignores (phase, padding)."""

from __future__ import annotations

import math

import pytest
import torch

from regen.speech.features.stft_loss import multi_resolution_stft_loss, stft_magnitude

RATE = 22050


def tones(freqs: list[float], phases: list[float], samples: int = 8192) -> torch.Tensor:
    """(1, samples): a sum of 0.1-amplitude sinusoids."""
    t = torch.arange(samples) / RATE
    return sum(0.1 * torch.sin(2 * math.pi * f * t + p) for f, p in zip(freqs, phases))[None]


def burst(start: int, freq: float = 1000.0, samples: int = 8192) -> torch.Tensor:
    """(1, samples): a `freq` Hz tone under a 2048-sample Hann envelope beginning at `start`."""
    wave = torch.zeros(1, samples)
    t = torch.arange(2048) / RATE
    wave[0, start: start + 2048] = torch.hann_window(2048) * 0.3 * torch.sin(2 * math.pi * freq * t)
    return wave


def test_magnitude_shape() -> None:
    assert stft_magnitude(torch.randn(3, 1000), 512, 128).shape == (3, 1 + 1000 // 128, 257)


def test_zero_for_identical_waves_with_finite_zero_gradient() -> None:
    target = torch.randn(2, 3000) * 0.1
    pred = target.clone().requires_grad_()
    loss = multi_resolution_stft_loss(pred, target)
    loss.backward()
    assert float(loss.detach()) == 0.0 and float(pred.grad.abs().max()) == 0.0


def test_a_right_sound_at_a_wrong_phase_beats_silence_unlike_mse() -> None:
    freqs = [440.0, 1320.0, 3100.0]
    target = tones(freqs, [0.0, 0.0, 0.0])
    rephased = tones(freqs, [2.0, 3.0, 1.0])
    silence = torch.zeros_like(target)
    other = tones([700.0, 2000.0, 5000.0], [0.0, 0.0, 0.0])
    mse = lambda pred: float(((pred - target) ** 2).mean())  # noqa: E731
    stft = lambda pred: float(multi_resolution_stft_loss(pred, target))  # noqa: E731
    assert mse(rephased) > mse(silence)  # why an MSE Direct loses by construction
    # Measured 0.50 (rephased), 7.1 (silence), 8.2 (other tones).
    assert 5 * stft(rephased) < min(stft(silence), stft(other))


def test_timing_and_pitch_cost_more_than_gain_polarity_or_a_tiny_shift() -> None:
    target = burst(2000)
    stft = lambda pred: float(multi_resolution_stft_loss(pred, target))  # noqa: E731
    # Measured 0 (polarity), 0.16 (5% louder), 0.33 (64 samples late), 4.9 (2500 late), 4.5 (1.2 kHz).
    assert stft(-target) < 1e-4 and stft(1.05 * target) < 0.3 and stft(burst(2064)) < 0.6
    assert stft(burst(4500)) > 3 and stft(burst(2000, freq=1200.0)) > 3


def test_padding_is_ignored() -> None:
    torch.manual_seed(0)
    target, pred = torch.randn(2, 4000) * 0.1, torch.randn(2, 4000) * 0.1
    valid = torch.arange(4000)[None] < torch.tensor([[4000], [1500]])
    base = multi_resolution_stft_loss(pred, target, valid)
    noisy_pred, noisy_target = pred.clone(), target.clone()
    noisy_pred[1, 1500:], noisy_target[1, 1500:] = 5.0, -5.0
    leaf = noisy_pred.requires_grad_()
    loss = multi_resolution_stft_loss(leaf, noisy_target, valid)
    loss.backward()
    assert torch.allclose(loss, base) and float(leaf.grad[1, 1500:].abs().max()) == 0.0
    assert float(leaf.grad[1, :1500].abs().max()) > 0
    # A row with no valid sample weighs nothing.
    valid[1] = False
    alone = multi_resolution_stft_loss(pred[:1], target[:1])
    assert torch.allclose(multi_resolution_stft_loss(pred, target, valid), alone)
    assert float(multi_resolution_stft_loss(pred, target, valid)) != float(multi_resolution_stft_loss(pred, target))


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="batch, samples"):
        multi_resolution_stft_loss(torch.zeros(2, 100), torch.zeros(2, 99))
