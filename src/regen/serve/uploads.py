"""Uploaded files: read within the size limit into a private temporary folder under a name the server
chooses (never the client's), removed when the request ends; and encoded audio going back."""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
from fastapi import UploadFile

from regen.serve.errors import ApiError

AUDIO_MEDIA = {"wav": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg", "opus": "audio/ogg",
               "pcm": "audio/pcm"}
PCM_RATE = 24000  # OpenAI's raw `pcm`: 24 kHz, 16-bit little-endian, mono
OPUS_RATE = 48000


def safe_suffix(filename: str | None, allowed: set[str]) -> str:
    """The client's file suffix when it is one of `allowed` (lower case, with the dot), else ''."""
    match = re.search(r"(\.[A-Za-z0-9]{1,8})$", filename or "")
    suffix = match.group(1).lower() if match else ""
    return suffix if suffix in allowed else ""


async def read_upload(upload: UploadFile, max_bytes: int, what: str) -> bytes:
    """The whole upload, or ApiError 413 past `max_bytes` / 400 when empty."""
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ApiError(413, f"the {what} is larger than {max_bytes // 2 ** 20} MiB; send a smaller file", "file")
    if not data:
        raise ApiError(400, f"the {what} is empty (0 bytes); send the file's contents", "file")
    return data


@contextlib.contextmanager
def private_file(data: bytes, suffix: str) -> Iterator[Path]:
    """`data` written as upload<suffix> in a fresh private folder, removed with all it holds on exit."""
    with tempfile.TemporaryDirectory(prefix="regen-serve-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        yield path


def encode_audio(wave: np.ndarray, rate: int, fmt: str) -> bytes:
    """A wave (samples,) in [-1, 1] as the bytes of `fmt` (a key of AUDIO_MEDIA)."""
    import soundfile as sf

    from regen.speech.data.audio import audio_bytes, resample

    wave = np.clip(np.asarray(wave, dtype=np.float32).reshape(-1), -1.0, 1.0)
    if fmt == "pcm":
        return (resample(wave, rate, PCM_RATE) * 32767).astype("<i2").tobytes()
    if fmt == "opus":
        buffer = io.BytesIO()
        sf.write(buffer, resample(wave, rate, OPUS_RATE), OPUS_RATE, format="OGG", subtype="OPUS")
        return buffer.getvalue()
    return audio_bytes(wave, rate, fmt)
