"""Frame-level pitch and energy, the targets of the variance predictors (FastSpeech 2's second level
of abstraction: text -> durations / pitch / energy -> log-mel).

    pitch   log F0 (natural log of Hz) at every log-mel frame: YIN (librosa.yin) on frames of
            FRAME_LENGTH samples centred where the log-mel's frames are; a frame is voiced when
            the normalised autocorrelation of its samples at the YIN period exceeds
            VOICING_THRESHOLD and it is louder than SILENCE_DB below the loudest frame. Unvoiced
            frames take the log F0 linearly interpolated from the voiced ones around them
            (FastSpeech 2's continuous contour), so every phone has a pitch. (pYIN would decide
            voicing better but costs about ten times more on this CPU.)
    energy  log of the summed mel magnitude of each frame (logsumexp over the log-mel bins):
            computed from Y' itself where the model needs it, FastSpeech 2's STFT-frame
            L2-norm measured on the mel scale
"""

from __future__ import annotations

import numpy as np
import torch

from regen.speech.features.mel import MelConfig

FMIN, FMAX = 60.0, 500.0
FRAME_LENGTH = 1024
VOICING_THRESHOLD = 0.5
SILENCE_DB = 40.0
FALLBACK_HZ = 120.0  # the contour of an utterance with no voiced frame at all


def frame_log_f0(wave: np.ndarray, mel: MelConfig) -> np.ndarray:
    """Log F0 (frames,) float32 of wave (samples,), one value per centred log-mel frame of `mel`."""
    import librosa

    wave = np.asarray(wave, dtype=np.float32)
    padded = np.pad(wave, (FRAME_LENGTH // 2, FRAME_LENGTH // 2))  # centred frames: 1 + samples // hop of them
    f0 = librosa.yin(padded, fmin=FMIN, fmax=FMAX, sr=mel.sample_rate, frame_length=FRAME_LENGTH,
                     hop_length=mel.hop_length, center=False)
    frames = librosa.util.frame(padded, frame_length=FRAME_LENGTH, hop_length=mel.hop_length).T  # (frames, L)
    voiced = periodicity(frames, np.rint(mel.sample_rate / f0).astype(np.int64)) > VOICING_THRESHOLD
    loudness = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-10)
    voiced &= loudness > loudness.max() - SILENCE_DB
    if not voiced.any():
        return np.full(len(f0), np.log(FALLBACK_HZ), dtype=np.float32)
    where = np.flatnonzero(voiced)
    return np.interp(np.arange(len(f0)), where, np.log(f0[where])).astype(np.float32)


def periodicity(frames: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation (frames,) of each frame (frames, length) at its own lag (frames,)."""
    width = frames.shape[1] - int(lags.max())
    head = frames[:, :width]
    tail = np.take_along_axis(frames, lags[:, None] + np.arange(width)[None], axis=1)
    energy = np.sqrt((head ** 2).sum(1) * (tail ** 2).sum(1)) + 1e-10
    return (head * tail).sum(1) / energy


def frame_log_energy(log_mel: torch.Tensor) -> torch.Tensor:
    """Log energy (…, frames) of raw log-mel frames (…, frames, n_mels)."""
    return torch.logsumexp(log_mel.float(), dim=-1)
