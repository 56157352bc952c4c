"""Waveform I/O: mono float32 in [-1, 1], integrity checks, silence detection, atomic writes.

Every waveform in `regen.speech` is a 1-D float32 array of shape (samples,)
with values in [-1, 1]; batches are (batch, samples). Files are written as WAV
(16-bit PCM), FLAC or MP3 (`AUDIO_FORMATS`, where this libsndfile can).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soundfile as sf

from regen.core.errors import RegenError
from regen.core.files import atomic_path

SILENCE_PEAK = 1e-4  # a waveform whose peak stays below this is treated as silent
SILENCE_DBFS = -55.0  # a recording whose loudest 20 ms stay below this holds no speech (near silence)
LEVEL_WINDOW = 0.02  # seconds per window of `loudest_dbfs`
AUDIO_FORMATS = {"wav": ("WAV", "PCM_16"), "flac": ("FLAC", "PCM_16"), "mp3": ("MP3", "MPEG_LAYER_III")}
READABLE = "WAV, FLAC, MP3 or OGG"


def check_wav_file(path: str | Path) -> str | None:
    """Return a one-line problem with the RIFF/WAVE file at `path`, or None.

    Parses the chunk headers without decoding audio, so a missing, empty,
    truncated (data chunk longer than the file) or non-WAV file is caught
    cheaply and before any model sees it.
    """
    problem = _wav_problem(Path(path))
    return f"{path} {problem}" if problem else None


def _wav_problem(path: Path) -> str | None:
    """`check_wav_file`'s problem without the path, e.g. 'is truncated or empty (12 bytes)'."""
    if not path.is_file():
        return "is missing"
    size = path.stat().st_size
    if size < 44:
        return f"is truncated or empty ({size} bytes)"
    with path.open("rb") as fh:
        head = fh.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return "is not a RIFF/WAVE file"
        pos = 12
        while pos + 8 <= size:
            fh.seek(pos)
            chunk_id, chunk_size = struct.unpack("<4sI", fh.read(8))
            if chunk_id == b"data":
                if chunk_size == 0:
                    return "holds no audio samples"
                if pos + 8 + chunk_size > size:
                    return f"is truncated: {size - pos - 8} of {chunk_size} data bytes present"
                return None
            pos += 8 + chunk_size + (chunk_size & 1)
    return "has no data chunk (truncated?)"


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


def read_recording(path: str | Path, sample_rate: int) -> tuple[np.ndarray, int]:
    """A user's recording as mono float32 (samples,) at `sample_rate`, and the file's own rate.

    RegenError with one line, '<path>: what is wrong; how to fix it', for a missing, empty,
    truncated, corrupt or non-audio file.
    """
    path = Path(path)
    if not path.exists():
        raise RegenError(f"{path}: no such file; check the name and the folder")
    if not path.is_file():
        raise RegenError(f"{path}: is a folder, not a recording; give audio files ({READABLE})")
    problem = _wav_problem(path) if path.suffix.lower() == ".wav" else None
    if problem is None and path.stat().st_size == 0:
        problem = "is empty (0 bytes)"
    if problem:
        raise RegenError(f"{path}: the file {problem}; give a complete recording ({READABLE})")
    _check_memory(path, sample_rate)
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as exc:
        why = getattr(exc, "error_string", "") or str(exc)
        raise RegenError(f"{path}: cannot read audio ({why.rstrip('.')}); give a {READABLE} recording") from None
    if audio.size == 0:
        raise RegenError(f"{path}: the file holds no audio samples; give a recording with speech in it")
    if not np.all(np.isfinite(audio)):
        raise RegenError(f"{path}: the file holds NaN or infinite samples; re-export it")
    return resample(np.ascontiguousarray(audio.mean(axis=1)), int(rate), sample_rate), int(rate)


def available_memory() -> int | None:
    """Bytes of memory the system can still give (MemAvailable of /proc/meminfo), None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _check_memory(path: Path, sample_rate: int) -> None:
    """RegenError, before reading, when decoding `path` would need more memory than is free: its samples
    as float32 in every channel, the mono mix and the resampled copy, twice over for the work on them."""
    try:
        info = sf.info(str(path))
    except (RuntimeError, sf.LibsndfileError):
        return  # sf.read reports what is wrong with the file
    if info.samplerate <= 0 or info.frames <= 0:
        return
    need = 2 * 4 * info.frames * (info.channels + 1 + sample_rate / info.samplerate)
    free = available_memory()
    if free is not None and need > free:
        hours = info.frames / info.samplerate / 3600
        raise RegenError(f"{path}: {hours:.1f} hours of audio need about {need / 2**30:.1f} GiB of memory to read and "
                         f"{free / 2**30:.1f} GiB are free; cut it into parts first (e.g. sox {path.name} part.wav "
                         "trim 0 3600 : newfile : restart)")


def loudest_dbfs(audio: np.ndarray, sample_rate: int) -> float:
    """Level of the loudest `LEVEL_WINDOW` of `audio` (samples,), DC removed: RMS in dB re full
    scale (-inf for digital silence). One vectorised pass: milliseconds for minutes of audio."""
    width = max(1, int(LEVEL_WINDOW * sample_rate))
    wave = np.asarray(audio, dtype=np.float32).reshape(-1)
    if not wave.size:
        return float("-inf")
    wave = wave - np.float32(wave.mean(dtype=np.float64))
    whole = len(wave) // width * width
    frames = wave[:whole].reshape(-1, width)
    power = np.einsum("ij,ij->i", frames, frames) / width  # (windows,) mean square per window
    if whole < len(wave):
        power = np.append(power, np.mean(np.square(wave[whole:])))
    loudest = float(np.sqrt(power.max()))
    return 20 * np.log10(loudest) if loudest > 0 else float("-inf")


def is_silent(audio: np.ndarray, sample_rate: int) -> bool:
    """Whether `audio` (samples,) holds no speech: its loudest 20 ms below `SILENCE_DBFS`."""
    return loudest_dbfs(audio, sample_rate) < SILENCE_DBFS


def writable_formats() -> list[str]:
    """The names in `AUDIO_FORMATS` that this soundfile/libsndfile can write."""
    majors = sf.available_formats()
    return [name for name, (major, subtype) in AUDIO_FORMATS.items()
            if major in majors and subtype in sf.available_subtypes(major)]


def check_format(name: str) -> str:
    """`name` (e.g. 'mp3', any case) if it can be written here, else a one-line RegenError."""
    fmt, can = name.lower().lstrip("."), writable_formats()
    if fmt not in can:
        why = (f"this libsndfile ({sf.__libsndfile_version__}) cannot write {fmt.upper()} (1.1 or newer can)"
               if fmt in AUDIO_FORMATS else f"'{name}' is not an audio format regen writes")
        raise RegenError(f"{why}; choose one of {', '.join(can)}")
    return fmt


def audio_bytes(audio: np.ndarray, sample_rate: int, fmt: str = "wav") -> bytes:
    """`audio` (samples,) float in [-1, 1] (clipped) encoded as a whole file of format `fmt`."""
    import io

    major, subtype = AUDIO_FORMATS[check_format(fmt)]
    buffer = io.BytesIO()
    data = np.clip(np.asarray(audio, dtype=np.float32).reshape(-1), -1.0, 1.0)
    sf.write(buffer, data, int(sample_rate), subtype=subtype, format=major)
    return buffer.getvalue()


def save_audio(path: str | Path, audio: np.ndarray, sample_rate: int, fmt: str | None = None) -> Path:
    """Write `audio` (samples,) atomically in format `fmt` (default: from the suffix of `path`)."""
    from regen.core.files import atomic_write_bytes

    return atomic_write_bytes(path, audio_bytes(audio, sample_rate, fmt or Path(path).suffix))


def join_waves(waves: list[np.ndarray], sample_rate: int, pause: float) -> np.ndarray:
    """Waves (samples,) one after another with `pause` seconds of silence between: (samples,)."""
    gap = np.zeros(round(pause * sample_rate), dtype=np.float32)
    parts = [part for k, wave in enumerate(waves) for part in ((gap,) if k else ()) + (wave,)]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, dtype=np.float32)
