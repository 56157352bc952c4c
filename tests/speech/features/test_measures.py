import numpy as np
import pytest
import torch

from regen.speech.features.mel import load_mel_config, log_mel
from regen.core.errors import RegenError
from regen.speech.features.measures import (SILENCE_DB, compare_waveforms, log_mel_cepstral_distance,
                                           log_spectral_distance, mel_cepstral_distortion, spectral_convergence,
                                           trim_silence, word_error_rate, word_errors)

from ..conftest import tone

CFG = load_mel_config("logmel-ch4")


def test_identical_signals_score_zero() -> None:
    wave = tone(0.5)
    scores = compare_waveforms(wave, wave, CFG)
    assert all(abs(v) < 1e-6 for v in scores.values()), scores


def test_measures_grow_with_distortion() -> None:
    wave = tone(0.5)
    rng = np.random.default_rng(0)
    small = compare_waveforms(wave, wave + 0.001 * rng.standard_normal(len(wave)).astype(np.float32), CFG)
    large = compare_waveforms(wave, wave + 0.05 * rng.standard_normal(len(wave)).astype(np.float32), CFG)
    for key in small:
        assert large[key] > small[key], key


def test_log_mel_cd_aligns_time_shifts_with_dtw() -> None:
    mel = log_mel(tone(0.5), CFG).numpy()
    stretched = np.repeat(mel, 2, axis=0)
    assert log_mel_cepstral_distance(mel, stretched) < 1e-6
    assert log_mel_cepstral_distance(mel, mel[::-1].copy()) > 1.0


def test_spectral_convergence_and_lsd_known_values() -> None:
    s = torch.ones(1, 4, 3)
    assert spectral_convergence(s, 0.5 * s) == 0.5
    assert abs(log_spectral_distance(s, 0.1 * s) - 20.0) < 1e-4


def test_word_error_rate_counts_edits_per_reference_word() -> None:
    assert word_error_rate("And the LORD said,", "and the lord said") == 0.0
    assert word_error_rate("the cat sat", "the cat") == pytest.approx(1 / 3)  # one deletion
    assert word_error_rate("the cat sat", "a cat sat down") == pytest.approx(2 / 3)  # substitution + insertion
    assert word_error_rate("a b", "x y z w") == 2.0  # insertions can push it past 1
    with pytest.raises(ValueError):
        word_error_rate("...", "words")


def test_word_errors_are_counted_over_the_corpus() -> None:
    errors = word_errors(["a b c", "d e"], ["a x c", "d e f"])
    assert (errors.substitutions, errors.deletions, errors.insertions, errors.reference_words) == (1, 0, 1, 5)
    assert errors.wer == pytest.approx(2 / 5)  # pooled, not the mean of 1/3 and 1/2
    assert word_error_rate(["a b c", "d e"], ["a x c", "d e f"]) == pytest.approx(2 / 5)
    heard_nothing = word_errors(["the cat sat", "on the mat"], ["", "on the mat"])
    assert (heard_nothing.deletions, heard_nothing.wer) == (3, 0.5)
    with pytest.raises(ValueError):
        word_errors(["a b"], ["a", "b"])


def test_trimming_keeps_a_signal_without_silent_edges() -> None:
    mel = log_mel(tone(0.5), CFG).numpy()
    assert np.array_equal(trim_silence(mel), mel)
    noisy = tone(0.5) + 0.005 * np.random.default_rng(0).standard_normal(int(0.5 * 22050)).astype(np.float32)
    estimate = log_mel(noisy, CFG).numpy()
    assert log_mel_cepstral_distance(mel, estimate, trim_db=SILENCE_DB) == log_mel_cepstral_distance(mel, estimate)


def test_trimming_removes_the_effect_of_leading_and_trailing_silence() -> None:
    wave = tone(0.5)
    mel = log_mel(wave, CFG).numpy()
    silence = np.zeros(30 * CFG.hop_length, dtype=np.float32)
    padded = log_mel(np.concatenate([silence, wave, silence, silence]), CFG).numpy()
    assert len(trim_silence(padded)) <= len(mel) + 2  # 90 silent frames go; the two edge frames overlap the tone
    assert log_mel_cepstral_distance(mel, padded) > 2.0  # DTW averages silence-against-signal frames in
    assert log_mel_cepstral_distance(mel, padded, trim_db=SILENCE_DB) < 0.3
    with_pause = log_mel(np.concatenate([wave, silence, wave]), CFG).numpy()
    assert len(trim_silence(with_pause)) == len(with_pause)  # a pause inside the utterance stays


def vowel(f0: float, scale: float = 1.0, seconds: float = 0.4, rate: int = 22050) -> np.ndarray:
    """A vowel-like harmonic tone (samples,): harmonics of f0 up to Nyquist shaped by three formants
    (an /a/ near 700, 1220 and 2600 Hz) times `scale`."""
    t = np.arange(int(seconds * rate)) / rate
    freqs = np.arange(1, int(rate / 2 / f0))[:, None] * f0
    gain = sum(1 / (1 + ((freqs - f * scale) / (bw * scale)) ** 2) for f, bw in ((700, 80), (1220, 90), (2600, 120)))
    wave = ((gain + 0.01) * np.sin(2 * np.pi * freqs * t)).sum(0)
    return (0.3 * wave / np.abs(wave).max() * np.hanning(len(t)) ** 0.2).astype(np.float32)


def test_mcd_is_zero_against_itself_and_grows_with_noise() -> None:
    wave, rng = vowel(120.0), np.random.default_rng(0)
    assert mel_cepstral_distortion(wave, wave, 22050) == 0.0
    small, large = (mel_cepstral_distortion(wave, wave + s * rng.standard_normal(len(wave)).astype(np.float32), 22050)
                    for s in (0.003, 0.03))
    assert 0 < small < large


def test_mcd_is_symmetric_and_in_the_published_range_for_a_shifted_voice() -> None:
    ratio = 2 ** (3 / 12)  # three semitones up, formants with the pitch: a shorter vocal tract
    a, b = vowel(120.0), vowel(120.0 * ratio, scale=ratio)
    forward = mel_cepstral_distortion(a, b, 22050)
    assert 2.0 < forward < 15.0
    assert mel_cepstral_distortion(b, a, 22050) == pytest.approx(forward, rel=0.05)
    assert mel_cepstral_distortion(a, vowel(120.0 * ratio), 22050) < 1.5  # same envelope: pitch alone costs little


def test_mcd_ignores_leading_and_trailing_silence_and_refuses_a_too_short_wave() -> None:
    wave = vowel(120.0)
    padded = np.concatenate([np.zeros(2205, np.float32), wave, np.zeros(4410, np.float32)])
    assert mel_cepstral_distortion(wave, padded, 22050) < 1.0
    with pytest.raises(RegenError, match="at least 20 ms"):
        mel_cepstral_distortion(wave[:100], wave, 22050)
