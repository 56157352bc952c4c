"""Augmentation of the recogniser's training audio, for voices and channels it never heard.

Applied once, offline, when the training rows are built (`regen.speech.asr.data.build_rows`): a
`share` of the training utterances is replaced by an augmented copy, each drawn from its own seeded
generator (the same rows on every run and resume). Every operation is a switch of `AugmentConfig`
(0 turns it off), for the ablation:

    speed      Kaldi-style speed perturbation: the waveform resampled by a factor in [1 - speed, 1 + speed],
               so tempo, pitch and formants move together (Ko et al., 2015)
    pitch      pitch moved by up to +-`pitch` semitones with the formants and the tempo kept: each
               frame's log magnitude split by cepstral liftering into its envelope (the first
               `ENVELOPE_QUEFRENCIES` cepstral coefficients: the formants) and its fine structure
               (the harmonics), the fine structure alone warped by 2^(k/12)
    vtlp       vocal-tract-length perturbation: the frequency axis of the spectrum warped by a factor
               in [1 - vtlp, 1 + vtlp], piecewise linear with the Nyquist frequency fixed (Jaitly &
               Hinton, 2013): a longer or shorter vocal tract
    reverb     with this probability, convolution with a generated room impulse response: a direct
               path, then exponentially decaying noise with a reverberation time (RT60) of 0.15-0.9 s
    noise      with this probability, coloured noise (white, pink or brown) at 5-30 dB SNR
    telephone  with this probability, the telephone band: 300-3400 Hz band-pass, 8 kHz, 8-bit mu-law

SpecAugment (time and frequency masks) and the mel-domain `band_limit` stay in the model
(`regen.speech.asr.acoustic`), applied afresh to every batch.

Shapes: waveforms (samples,) float32 at the mel config's rate; `augmented_log_mel` returns the
log-mel (frames, n_mels) of the augmented waveform, as `regen.speech.features.mel.log_mel` does.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import torch
from scipy import fft, signal

from regen.speech.features.mel import MelConfig, log_mel_from_magnitude, magnitude

RT60_SECONDS = (0.15, 0.9)
SNR_DB = (5.0, 30.0)
TELEPHONE_BAND = (300.0, 3400.0)
TELEPHONE_RATE = 8000
VTLP_FIXED = 0.8  # the warp's knee, as a share of the Nyquist frequency
ENVELOPE_QUEFRENCIES = 30  # cepstral coefficients kept as the spectral envelope by `shift_pitch`


@dataclass
class AugmentConfig:
    """share: of the training utterances augmented (0: none); the rest: see the module docstring."""

    share: float = 0.0
    speed: float = 0.0
    pitch: float = 0.0
    vtlp: float = 0.0
    reverb: float = 0.0
    noise: float = 0.0
    telephone: float = 0.0

    def __post_init__(self) -> None:
        for name in ("share", "reverb", "noise", "telephone"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"augment {name} is a probability in [0, 1], got {getattr(self, name)}")
        if not 0 <= self.speed < 0.5 or not 0 <= self.vtlp < 0.5 or not 0 <= self.pitch <= 12:
            raise ValueError("augment speed and vtlp must lie in [0, 0.5) and pitch in [0, 12] semitones")

    @property
    def active(self) -> bool:
        return self.share > 0 and any((self.speed, self.pitch, self.vtlp, self.reverb, self.noise, self.telephone))


def item_rng(seed: int, key: str) -> np.random.Generator:
    """A generator of its own for one utterance (`key`: its voice and id), the same on every run."""
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def resample_by(wave: np.ndarray, factor: float) -> np.ndarray:
    """Play `wave` `factor` times faster (fewer samples for factor > 1): polyphase resampling."""
    ratio = Fraction(factor).limit_denominator(200)
    if ratio == 1:
        return wave
    return signal.resample_poly(wave, ratio.denominator, ratio.numerator).astype(np.float32)


def warp_matrix(n_freq: int, factor: float, knee: float = VTLP_FIXED) -> torch.Tensor:
    """(n_freq, n_freq) linear interpolation that moves spectral content at frequency f to f * factor
    below the knee (`knee` x Nyquist x min(factor, 1) / factor), piecewise linear above it with the
    Nyquist frequency fixed."""
    nyquist = n_freq - 1
    knee = knee * nyquist * min(factor, 1.0) / factor
    source = np.arange(n_freq, dtype=np.float64)
    target = np.where(source <= knee, source * factor,
                      nyquist - (nyquist - knee * factor) / (nyquist - knee) * (nyquist - source))
    # each target bin reads the source frequency that lands on it
    read = np.interp(np.arange(n_freq), target, source)
    low = np.clip(np.floor(read).astype(int), 0, nyquist)
    high = np.clip(low + 1, 0, nyquist)
    frac = read - low
    matrix = np.zeros((n_freq, n_freq), np.float32)
    matrix[np.arange(n_freq), low] += 1 - frac
    matrix[np.arange(n_freq), high] += frac
    return torch.from_numpy(matrix)


def shift_pitch(mag: torch.Tensor, factor: float) -> torch.Tensor:
    """Magnitudes (n_freq, frames) with the harmonics moved by `factor` and the envelope kept: log
    magnitude = envelope (low quefrencies) + fine structure; only the fine structure is warped."""
    log_mag = mag.clamp_min(1e-5).log()
    cepstrum = torch.fft.irfft(log_mag, dim=0)  # real, even: (2 (n_freq - 1), frames)
    lifter = torch.zeros(cepstrum.shape[0], 1)
    lifter[:ENVELOPE_QUEFRENCIES] = 1.0
    lifter[-ENVELOPE_QUEFRENCIES + 1:] = 1.0
    envelope = torch.fft.rfft(cepstrum * lifter, dim=0).real[: mag.shape[0]]
    fine = warp_matrix(mag.shape[0], factor, knee=0.999) @ (log_mag - envelope)
    return (envelope + fine).exp()


def room_impulse(rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """A generated room impulse response (samples,): unit direct path, then noise decaying by 60 dB
    over a random RT60, at a random direct-to-reverberant ratio."""
    rt60 = rng.uniform(*RT60_SECONDS)
    t = np.arange(int(rt60 * sample_rate)) / sample_rate
    tail = rng.standard_normal(len(t)) * np.exp(-6.9078 * t / rt60)
    delay = int(rng.uniform(0.002, 0.01) * sample_rate)
    tail[:delay] = 0.0
    tail *= rng.uniform(0.3, 1.5) / max(np.sqrt(np.sum(tail**2)), 1e-9)
    tail[0] = 1.0
    return tail.astype(np.float32)


def coloured_noise(rng: np.random.Generator, samples: int) -> np.ndarray:
    """Unit-power white, pink or brown noise (samples,): white noise shaped by 1 / f^(exponent / 2)."""
    exponent = rng.choice([0.0, 1.0, 2.0])
    size = fft.next_fast_len(samples)
    spectrum = fft.rfft(rng.standard_normal(size))
    freqs = fft.rfftfreq(size)
    spectrum[1:] /= freqs[1:] ** (exponent / 2)
    spectrum[0] = 0.0
    noise = fft.irfft(spectrum, size)[:samples]
    return (noise / max(noise.std(), 1e-9)).astype(np.float32)


def add_noise(wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`wave` plus coloured noise at a random SNR, against the power of its louder half (the speech)."""
    usable = len(wave) // 256 * 256
    energy = np.sort((wave[:usable].reshape(-1, 256) ** 2).mean(axis=1)) if usable else np.array([np.mean(wave**2)])
    power = float(energy[len(energy) // 2 :].mean())
    snr = rng.uniform(*SNR_DB)
    return wave + coloured_noise(rng, len(wave)) * np.sqrt(max(power, 1e-10) / 10 ** (snr / 10))


def telephone(wave: np.ndarray, sample_rate: int) -> np.ndarray:
    """The telephone channel: 300-3400 Hz band-pass, down to 8 kHz, 8-bit mu-law, back up."""
    sos = signal.butter(6, TELEPHONE_BAND, btype="bandpass", fs=sample_rate, output="sos")
    narrow = signal.resample_poly(signal.sosfiltfilt(sos, wave), TELEPHONE_RATE, sample_rate)
    peak = max(float(np.abs(narrow).max()), 1e-9)
    mu = 255.0
    x = narrow / peak
    coded = np.round((np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu) + 1) * 127.5) / 127.5 - 1
    decoded = np.sign(coded) * ((1 + mu) ** np.abs(coded) - 1) / mu * peak
    return signal.resample_poly(decoded, sample_rate, TELEPHONE_RATE).astype(np.float32)


def augmented_log_mel(wave: np.ndarray, mel: MelConfig, cfg: AugmentConfig, rng: np.random.Generator) -> torch.Tensor:
    """The log-mel (frames, n_mels) of `wave` after one random draw of every enabled operation."""
    wave = np.asarray(wave, dtype=np.float32)
    speed = rng.uniform(1 - cfg.speed, 1 + cfg.speed) if cfg.speed else 1.0
    shift = 2 ** (rng.uniform(-cfg.pitch, cfg.pitch) / 12) if cfg.pitch else 1.0
    vtlp = rng.uniform(1 - cfg.vtlp, 1 + cfg.vtlp) if cfg.vtlp else 1.0
    wave = resample_by(wave, speed)
    if rng.random() < cfg.reverb:
        peak = float(np.abs(wave).max())
        wave = signal.fftconvolve(wave, room_impulse(rng, mel.sample_rate))[: len(wave)]
        wave = wave * peak / max(float(np.abs(wave).max()), 1e-9)
    if rng.random() < cfg.noise:
        wave = add_noise(wave, rng)
    if rng.random() < cfg.telephone:
        wave = telephone(wave, mel.sample_rate)
    mag = magnitude(torch.from_numpy(np.ascontiguousarray(wave, dtype=np.float32))[None], mel)[0]
    if abs(shift - 1) > 1e-4:
        mag = shift_pitch(mag, shift)
    if abs(vtlp - 1) > 1e-4:
        mag = warp_matrix(mag.shape[0], vtlp) @ mag
    return log_mel_from_magnitude(mag[None], mel)[0]
