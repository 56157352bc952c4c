"""Waveform I/O: mono float32 in [-1, 1], integrity checks, atomic writes.

Every waveform in `regen.speech` is a 1-D float32 array of shape (samples,)
with values in [-1, 1]; batches are (batch, samples).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soundfile as sf

from regen.core.errors import RegenError
from regen.core.files import atomic_path

SILENCE_PEAK = 1e-4  # a waveform whose peak stays below this is treated as silent


def check_wav_file(path: str | Path) -> str | None:
    """Return a one-line problem with the RIFF/WAVE file at `path`, or None.

    Parses the chunk headers without decoding audio, so a missing, empty,
    truncated (data chunk longer than the file) or non-WAV file is caught
    cheaply and before any model sees it.
    """
    path = Path(path)
    if not path.is_file():
        return f"{path} is missing"
    size = path.stat().st_size
    if size < 44:
        return f"{path} is truncated or empty ({size} bytes)"
    with path.open("rb") as fh:
        head = fh.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return f"{path} is not a RIFF/WAVE file"
        pos = 12
        while pos + 8 <= size:
            fh.seek(pos)
            chunk_id, chunk_size = struct.unpack("<4sI", fh.read(8))
            if chunk_id == b"data":
                if chunk_size == 0:
                    return f"{path} holds no audio samples"
                if pos + 8 + chunk_size > size:
                    return f"{path} is truncated: {size - pos - 8} of {chunk_size} data bytes present"
                return None
            pos += 8 + chunk_size + (chunk_size & 1)
    return f"{path} has no data chunk (truncated?)"


def load_wav(path: str | Path, sample_rate: int | None = None) -> tuple[np.ndarray, int]:
    """Read `path` as mono float32 (samples,), resampled to `sample_rate` if given.

    Multi-channel files are averaged to mono. Returns (waveform, rate).
    Raises RegenError with one line for a missing, truncated or empty file.
    """
    problem = check_wav_file(path) if str(path).lower().endswith(".wav") else None
    if problem:
        raise RegenError(problem)
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as exc:
        raise RegenError(f"cannot read audio file {path}: {exc}") from None
    audio = audio.mean(axis=1)
    if audio.size == 0:
        raise RegenError(f"{path} holds no audio samples")
    if sample_rate is not None and rate != sample_rate:
        audio = resample(audio, rate, sample_rate)
        rate = sample_rate
    return np.ascontiguousarray(audio, dtype=np.float32), int(rate)


def resample(audio: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Resample (samples,) or (batch, samples) from `rate_in` to `rate_out` Hz."""
    if rate_in == rate_out:
        return audio
    import librosa

    return librosa.resample(audio, orig_sr=rate_in, target_sr=rate_out, res_type="soxr_hq").astype(np.float32)


def require_audible(audio: np.ndarray, what: str) -> None:
    """Raise RegenError if `audio` (samples,) is empty, non-finite or silent."""
    if audio.size == 0:
        raise RegenError(f"{what} is empty; give a recording with some speech in it")
    if not np.all(np.isfinite(audio)):
        raise RegenError(f"{what} contains NaN or infinite samples")
    if float(np.abs(audio).max()) < SILENCE_PEAK:
        raise RegenError(f"{what} is silent (peak below {SILENCE_PEAK:g}); nothing to analyse")


def save_wav(path: str | Path, audio: np.ndarray, sample_rate: int) -> Path:
    """Write mono 16-bit PCM atomically (temp file, then rename); returns the path.

    `audio` is (samples,) float in [-1, 1]; values outside are clipped.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.clip(np.asarray(audio, dtype=np.float32).reshape(-1), -1.0, 1.0)
    with atomic_path(path) as tmp:
        sf.write(tmp, data, int(sample_rate), subtype="PCM_16", format="WAV")
    return path
