import numpy as np
import pytest
import torch

from regen.speech.features.mel import load_mel_config, log_mel
from regen.speech.features.measures import (SILENCE_DB, compare_waveforms, log_spectral_distance,
                                           mel_cepstral_distortion, spectral_convergence, trim_silence,
                                           word_error_rate, word_errors)

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


def test_mcd_aligns_time_shifts_with_dtw() -> None:
    mel = log_mel(tone(0.5), CFG).numpy()
    stretched = np.repeat(mel, 2, axis=0)
    assert mel_cepstral_distortion(mel, stretched) < 1e-6
    assert mel_cepstral_distortion(mel, mel[::-1].copy()) > 1.0


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
    assert mel_cepstral_distortion(mel, estimate, trim_db=SILENCE_DB) == mel_cepstral_distortion(mel, estimate)


def test_trimming_removes_the_effect_of_leading_and_trailing_silence() -> None:
    wave = tone(0.5)
    mel = log_mel(wave, CFG).numpy()
    silence = np.zeros(30 * CFG.hop_length, dtype=np.float32)
    padded = log_mel(np.concatenate([silence, wave, silence, silence]), CFG).numpy()
    assert len(trim_silence(padded)) <= len(mel) + 2  # 90 silent frames go; the two edge frames overlap the tone
    assert mel_cepstral_distortion(mel, padded) > 2.0  # DTW averages silence-against-signal frames in
    assert mel_cepstral_distortion(mel, padded, trim_db=SILENCE_DB) < 0.3
    with_pause = log_mel(np.concatenate([wave, silence, wave]), CFG).numpy()
    assert len(trim_silence(with_pause)) == len(with_pause)  # a pause inside the utterance stays
