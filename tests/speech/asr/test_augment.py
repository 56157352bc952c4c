"""Augmentation of recogniser training audio: each operation does what its name says."""

import numpy as np
import pytest
import torch

from regen.speech.asr.augment import (AugmentConfig, add_noise, augmented_log_mel, item_rng, resample_by, room_impulse,
                                      telephone, warp_matrix)
from regen.speech.features.mel import load_mel_config, log_mel

RATE = 22050


def tone(freqs, seconds=1.0):
    t = np.arange(int(seconds * RATE)) / RATE
    return (sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs) * 0.5).astype(np.float32)


def peak_hz(wave):
    spectrum = np.abs(np.fft.rfft(wave))
    return np.fft.rfftfreq(len(wave), 1 / RATE)[spectrum.argmax()]


def test_speed_changes_length_and_pitch_together():
    fast = resample_by(tone([440]), 1.1)
    assert len(fast) == pytest.approx(RATE / 1.1, rel=0.01)
    assert peak_hz(fast) == pytest.approx(484, abs=3)


def test_warp_moves_content_up_and_keeps_nyquist():
    mel = load_mel_config("logmel-ch4")
    mag = torch.zeros(mel.n_freq, 1)
    mag[100] = 1.0
    warped = warp_matrix(mel.n_freq, 1.1) @ mag
    assert int(warped[:, 0].argmax()) in (109, 110, 111)
    assert warp_matrix(mel.n_freq, 0.9)[-1, -1] == pytest.approx(1.0)
    assert torch.allclose(warp_matrix(mel.n_freq, 1.1).sum(1), torch.ones(mel.n_freq))


def test_noise_lands_near_the_drawn_snr():
    speech = tone([300, 700])
    noisy = add_noise(speech, np.random.default_rng(0))
    snr = 10 * np.log10(np.mean(speech**2) / np.mean((noisy - speech) ** 2))
    assert 4.0 <= snr <= 31.0


def test_telephone_removes_the_high_band():
    wave = tone([1000, 6000])
    out = telephone(wave, RATE)
    spectrum = np.abs(np.fft.rfft(out))
    freqs = np.fft.rfftfreq(len(out), 1 / RATE)
    assert spectrum[np.argmin(abs(freqs - 6000))] < 0.01 * spectrum[np.argmin(abs(freqs - 1000))]


def test_room_impulse_decays():
    ir = room_impulse(np.random.default_rng(1), RATE)
    assert ir[0] == 1.0
    quarter = len(ir) // 4
    assert np.sum(ir[quarter: 2 * quarter] ** 2) > np.sum(ir[-quarter:] ** 2)


def test_augmented_log_mel_is_seeded_and_off_means_identity():
    mel = load_mel_config("logmel-ch4")
    wave = tone([220, 660, 1500], 0.5)
    cfg = AugmentConfig(share=1, speed=0.15, pitch=3, vtlp=0.1, reverb=1, noise=1, telephone=0.5)
    a = augmented_log_mel(wave, mel, cfg, item_rng(0, "v/S1"))
    b = augmented_log_mel(wave, mel, cfg, item_rng(0, "v/S1"))
    c = augmented_log_mel(wave, mel, cfg, item_rng(0, "v/S2"))
    assert torch.equal(a, b) and a.shape[1] == mel.n_mels
    assert not torch.equal(a, c)
    plain = augmented_log_mel(wave, mel, AugmentConfig(share=1), item_rng(0, "v/S1"))
    assert torch.allclose(plain, log_mel(wave, mel))
    assert not AugmentConfig(share=1).active and AugmentConfig(share=0.5, noise=0.2).active


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="probability"):
        AugmentConfig(noise=1.5)
    with pytest.raises(ValueError, match="speed"):
        AugmentConfig(speed=0.7)


def test_pitch_moves_the_harmonics_and_keeps_the_envelope_and_the_length():
    from regen.speech.asr.augment import shift_pitch
    from regen.speech.features.mel import magnitude

    mel = load_mel_config("logmel-ch4")
    t = np.arange(RATE) / RATE
    wave = sum(np.sin(2 * np.pi * 300 * h * t) * np.exp(-((300 * h - 1500) / 700) ** 2) for h in range(1, 25))
    mag = magnitude(torch.from_numpy(wave.astype(np.float32))[None], mel)[0]
    up = shift_pitch(mag, 2 ** (4 / 12))
    assert up.shape == mag.shape
    bin_hz = RATE / mel.n_fft
    first = lambda m: int(m.mean(1)[: int(450 / bin_hz)].argmax()) * bin_hz  # noqa: E731  the first harmonic
    assert first(mag) == pytest.approx(300, abs=bin_hz) and first(up) == pytest.approx(378, abs=bin_hz)
    centroid = lambda m: float((m.mean(1) * torch.arange(m.shape[0])).sum() / m.mean(1).sum())  # noqa: E731
    assert centroid(up) == pytest.approx(centroid(mag), rel=0.05)
    same_length = augmented_log_mel(wave.astype(np.float32), mel, AugmentConfig(share=1, pitch=3), item_rng(0, "a"))
    assert same_length.shape == log_mel(wave.astype(np.float32), mel).shape
