"""Objective measures between a reference and an estimated waveform or spectrogram.

Magnitudes are (…, n_freq, frames); log-mels are (frames, n_mels); waveforms are (samples,).
When the two signals differ in length the longer is cut to the shorter (inversion outputs can
be a few samples off); the two cepstral distances align frames with DTW instead:

    mel_cepstral_distortion     MCD as published: WORLD/SPTK mel-cepstra of two waveforms
    log_mel_cepstral_distance   the same formula on DCT cepstra of the 80-band log-mel (lower)
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.fft import dct
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from regen.core.errors import RegenError
from regen.speech.features.mel import MelConfig, log_mel, magnitude


def _common(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    n = min(a.shape[-1], b.shape[-1])
    return a[..., :n], b[..., :n]


def spectral_convergence(reference: torch.Tensor, estimate: torch.Tensor) -> float:
    """||S - Ŝ||_F / ||S||_F between magnitudes (…, n_freq, frames); 0 is perfect."""
    s, e = _common(torch.as_tensor(reference), torch.as_tensor(estimate))
    return float(torch.linalg.vector_norm(s - e) / torch.linalg.vector_norm(s).clamp_min(1e-12))


def log_spectral_distance(reference: torch.Tensor, estimate: torch.Tensor, floor: float = 1e-5,
                          bins: slice | None = None) -> float:
    """Mean over frames of the RMS (over frequency) difference in dB between magnitudes.

    `bins` restricts the frequency rows, e.g. to the band a mel filterbank covers
    (outside it a mel inversion has nothing to recover).
    """
    s, e = _common(torch.as_tensor(reference), torch.as_tensor(estimate))
    if bins is not None:
        s, e = s[..., bins, :], e[..., bins, :]
    diff = 20 * (torch.log10(s.clamp_min(floor)) - torch.log10(e.clamp_min(floor)))
    return float(diff.pow(2).mean(dim=-2).sqrt().mean())


def mel_l1(reference: torch.Tensor, estimate: torch.Tensor) -> float:
    """Mean absolute difference of two log-mels (frames, n_mels), in natural-log units."""
    r, e = torch.as_tensor(reference), torch.as_tensor(estimate)
    n = min(r.shape[-2], e.shape[-2])
    return float((r[..., :n, :] - e[..., :n, :]).abs().mean())


def mel_cepstra(log_mel_frames: np.ndarray, order: int = 24) -> np.ndarray:
    """(frames, n_mels) natural-log mel magnitude -> (frames, order) cepstra without c0.

    The real cepstrum of the log-mel seen as an even spectrum over [0, pi]:
    c_n = (1 / N) sum_k x_k cos(pi n (2k + 1) / 2N) = DCT-II(x)_n / 2N, the scale of
    the mel-cepstra Kubichek's MCD was defined on (an orthonormal DCT would inflate
    every distance by sqrt(2N)).
    """
    x = np.asarray(log_mel_frames, dtype=np.float64)
    return dct(x, type=2, norm=None, axis=-1)[:, 1 : order + 1] / (2 * x.shape[-1])


SILENCE_DB = 40.0  # a frame this far below the utterance's loudest frame is silence
DB = 10.0 / math.log(10.0)  # natural-log units -> dB
WORLD_FRAME_MS = 5.0  # WORLD analysis hop of `world_mel_cepstra`
MCD_MIN_FRAMES = 4  # WORLD frames a waveform needs for `mel_cepstral_distortion`


def frame_energy_db(log_mel_frames: np.ndarray) -> np.ndarray:
    """(frames, n_mels) natural-log mel magnitude -> (frames,) energy 10 log10(sum_k mel_k^2) in dB."""
    x = np.asarray(log_mel_frames, dtype=np.float64)
    return DB * logsumexp(2.0 * x, axis=-1)


def loud_span(energy_db: np.ndarray, threshold_db: float = SILENCE_DB) -> slice:
    """The frames from the first to the last whose energy (frames,) in dB lies within `threshold_db`
    of the loudest: leading and trailing silence cut, pauses inside kept."""
    if not len(energy_db):
        return slice(0, 0)
    loud = np.flatnonzero(energy_db >= energy_db.max() - threshold_db)
    return slice(int(loud[0]), int(loud[-1]) + 1)


def trim_silence(log_mel_frames: np.ndarray, threshold_db: float = SILENCE_DB) -> np.ndarray:
    """Drop the leading and trailing frames of a log-mel (frames, n_mels) whose energy
    (`frame_energy_db`) lies more than `threshold_db` below the utterance's loudest frame.

    Pauses inside the utterance are kept; a signal without such edges comes back whole.
    """
    x = np.asarray(log_mel_frames)
    return x[loud_span(frame_energy_db(x), threshold_db)] if len(x) else x


def dtw_cepstral_distance(a: np.ndarray, b: np.ndarray) -> float:
    """(10 / ln 10) * sqrt(2 * sum_d (a_d - b_d)^2) in dB, averaged along the DTW path (librosa,
    Euclidean frame cost) between cepstra a (frames_a, d) and b (frames_b, d)."""
    import librosa

    _, path = librosa.sequence.dtw(C=cdist(a, b), backtrack=True)
    diffs = a[path[:, 0]] - b[path[:, 1]]
    return float(DB * np.sqrt(2.0 * (diffs**2).sum(-1)).mean())


def log_mel_cepstral_distance(reference: np.ndarray, estimate: np.ndarray, order: int = 24,
                              trim_db: float | None = None) -> float:
    """The log-mel cepstral distance in dB between two log-mels (frames, n_mels), frames aligned by DTW.

    The MCD formula, (10 / ln 10) * sqrt(2 * sum_d (c_d - ĉ_d)^2) averaged along the DTW path,
    on the DCT-II cepstra c1..c_order of the smoothed 80-band log-mel magnitude (`mel_cepstra`):
    not the published MCD (`mel_cepstral_distortion`, SPTK mel-cepstra of full-resolution
    envelopes), and lower than it; compare it only with itself.
    With `trim_db` (e.g. SILENCE_DB) each log-mel first loses its leading and trailing
    silence (`trim_silence`), so that silence padding, which DTW would otherwise match
    frame by frame and average in, does not count; None (the default) keeps every frame.
    """
    if trim_db is not None:
        reference, estimate = trim_silence(reference, trim_db), trim_silence(estimate, trim_db)
    return dtw_cepstral_distance(mel_cepstra(reference, order), mel_cepstra(estimate, order))


def world_mel_cepstra(wave: np.ndarray, sample_rate: int, order: int = 24, alpha: float | None = None) -> np.ndarray:
    """Waveform (samples,) -> mel-cepstra (frames, order) c1..c_order, one frame per 5 ms, leading and
    trailing silence (`SILENCE_DB` below the loudest frame's envelope power) cut.

    WORLD analysis of the float64 audio (F0 by DIO refined by StoneMask, spectral envelope by
    CheapTrick), then SPTK's sp2mc of the envelope with the all-pass constant `alpha` (default
    `pysptk.util.mcepalpha(sample_rate)`: 0.41 at 16 kHz, 0.455 at 22.05 kHz); c0, the energy, is dropped.
    RegenError when the audio holds fewer than `MCD_MIN_FRAMES` frames.
    """
    with warnings.catch_warnings():  # both still import setuptools' deprecated pkg_resources
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        import pysptk
        import pyworld

    x = np.ascontiguousarray(np.asarray(wave, dtype=np.float64).reshape(-1))
    if len(x) < MCD_MIN_FRAMES * WORLD_FRAME_MS / 1000 * sample_rate:
        raise RegenError(f"MCD needs at least {MCD_MIN_FRAMES * WORLD_FRAME_MS:.0f} ms of audio, "
                         f"got {1000 * len(x) / sample_rate:.1f} ms")
    f0, times = pyworld.dio(x, sample_rate, frame_period=WORLD_FRAME_MS)
    f0 = pyworld.stonemask(x, f0, times, sample_rate)
    envelope = pyworld.cheaptrick(x, f0, times, sample_rate)  # (frames, n_fft / 2 + 1) power
    alpha = pysptk.util.mcepalpha(sample_rate) if alpha is None else alpha
    cepstra = pysptk.sp2mc(envelope, order, alpha)[:, 1:]
    return cepstra[loud_span(DB * np.log(envelope.sum(-1)))]


def mel_cepstral_distortion(reference_wave: np.ndarray, estimate_wave: np.ndarray, sample_rate: int,
                            order: int = 24, alpha: float | None = None) -> float:
    """MCD in dB between two waveforms (samples,) at `sample_rate`: the published convention.

    MCD = (10 / ln 10) * sqrt(2 * sum_{d=1..order} (c_d - ĉ_d)^2), averaged along the DTW path
    (`dtw_cepstral_distance`) between the WORLD/SPTK mel-cepstra of the two (`world_mel_cepstra`:
    5 ms frames, order 24, all-pass constant for the rate, c0 excluded, leading and trailing
    silence trimmed). 0 for a waveform against itself; a few dB between different readings.
    RegenError when either holds fewer than `MCD_MIN_FRAMES` frames.
    """
    return dtw_cepstral_distance(world_mel_cepstra(reference_wave, sample_rate, order, alpha),
                                 world_mel_cepstra(estimate_wave, sample_rate, order, alpha))


def mel_band(cfg: MelConfig) -> slice:
    """STFT rows between cfg.fmin and cfg.fmax."""
    hz_per_bin = cfg.sample_rate / cfg.n_fft
    return slice(int(np.ceil(cfg.fmin / hz_per_bin)), int(np.floor(cfg.fmax / hz_per_bin)) + 1)


def compare_waveforms(reference: np.ndarray, estimate: np.ndarray, cfg: MelConfig) -> dict[str, float]:
    """All measures between two waveforms (samples,) at cfg.sample_rate."""
    ref = torch.as_tensor(reference, dtype=torch.float32)[None]
    est = torch.as_tensor(estimate, dtype=torch.float32)[None]
    s_ref, s_est = magnitude(ref, cfg), magnitude(est, cfg)
    m_ref, m_est = log_mel(ref, cfg)[0], log_mel(est, cfg)[0]
    return {
        "spectral_convergence": spectral_convergence(s_ref, s_est),
        "log_spectral_distance_db": log_spectral_distance(s_ref, s_est, bins=mel_band(cfg)),
        "mel_l1": mel_l1(m_ref, m_est),
        "logmel_cd_db": log_mel_cepstral_distance(m_ref.numpy(), m_est.numpy()),
    }


WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def word_list(text: str) -> list[str]:
    """Lower-case words of a text in order, punctuation dropped ("LORD's" -> "lord's")."""
    return WORD.findall(text.lower())


@dataclass(frozen=True)
class WordErrors:
    """Corpus-level word errors: edit counts summed over all sentences, and their rate."""

    wer: float  # (substitutions + deletions + insertions) / reference_words
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int


def word_errors(reference: str | Sequence[str], hypothesis: str | Sequence[str]) -> WordErrors:
    """One `jiwer` alignment per sentence pair, counts summed over all sentences (corpus level, not a
    mean of sentence rates), after lower-casing and dropping punctuation (`word_list`).

    Takes one sentence or aligned lists of them; the rate can exceed 1 when the hypothesis inserts
    many words; a reference without words raises ValueError.
    """
    import jiwer

    refs = [reference] if isinstance(reference, str) else list(reference)
    hyps = [hypothesis] if isinstance(hypothesis, str) else list(hypothesis)
    if len(refs) != len(hyps):
        raise ValueError(f"{len(refs)} references but {len(hyps)} hypotheses")
    refs = [" ".join(word_list(r)) for r in refs]
    if not refs or not all(refs):
        raise ValueError("word error rate needs references with at least one word each")
    out = jiwer.process_words(refs, [" ".join(word_list(h)) for h in hyps])
    words = out.hits + out.substitutions + out.deletions
    return WordErrors(float(out.wer), int(out.substitutions), int(out.deletions), int(out.insertions), int(words))


def word_error_rate(reference: str | Sequence[str], hypothesis: str | Sequence[str]) -> float:
    """The corpus-level rate of `word_errors`: (S + D + I) summed over all sentences / reference words."""
    return word_errors(reference, hypothesis).wer
