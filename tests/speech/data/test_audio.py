import time
from pathlib import Path

import numpy as np
import pytest

from regen.core.errors import RegenError
from regen.speech.data.audio import (
    check_format,
    check_wav_file,
    is_silent,
    join_waves,
    load_wav,
    loudest_dbfs,
    read_recording,
    require_audible,
    save_audio,
    save_wav,
    writable_formats,
)

from ..conftest import tone


def test_save_and_load_round_trip_resamples(tmp_path: Path) -> None:
    path = save_wav(tmp_path / "a.wav", tone(0.5, 16000), 16000)
    audio, rate = load_wav(path, 22050)
    assert rate == 22050 and abs(len(audio) - 11025) <= 1 and audio.dtype == np.float32
    assert not list(tmp_path.glob(".*tmp")), "temporary files must be renamed away"


def test_truncated_wav_is_detected(tmp_path: Path) -> None:
    path = save_wav(tmp_path / "a.wav", tone(0.5), 22050)
    path.write_bytes(path.read_bytes()[:2000])
    assert "truncated" in check_wav_file(path)
    with pytest.raises(RegenError, match="truncated"):
        load_wav(path)


def test_missing_and_non_wav(tmp_path: Path) -> None:
    assert "missing" in check_wav_file(tmp_path / "nope.wav")
    (tmp_path / "junk.wav").write_bytes(b"x" * 100)
    assert "not a RIFF" in check_wav_file(tmp_path / "junk.wav")


def test_empty_and_silent_audio_rejected() -> None:
    with pytest.raises(RegenError, match="empty"):
        require_audible(np.zeros(0, np.float32), "x.wav")
    with pytest.raises(RegenError, match="silent"):
        require_audible(np.zeros(1000, np.float32), "x.wav")
    require_audible(tone(0.1), "ok.wav")


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "nope.wav", "no such file"),
    (lambda p: p, "is a folder"),
    (lambda p: _written(p / "e.wav", b""), "empty (0 bytes)"),
    (lambda p: _written(p / "e.flac", b""), "empty (0 bytes)"),
    (lambda p: _written(p / "t.wav", b"not audio at all, just some text here " * 4), "not a RIFF/WAVE"),
    (lambda p: _written(p / "t.txt", b"not audio"), "cannot read audio"),
    (lambda p: _written(p / "c.wav", save_wav(p / "c.wav", tone(0.5), 22050).read_bytes()[:3000]), "truncated"),
])
def test_read_recording_names_the_file_and_the_fix(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path)
    with pytest.raises(RegenError) as caught:
        read_recording(path, 22050)
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and message in text and "; " in text and "\n" not in text


def test_read_recording_resamples_and_reports_the_rate(tmp_path: Path) -> None:
    wave, rate = read_recording(save_audio(tmp_path / "a.flac", tone(0.5, 16000), 16000), 22050)
    assert rate == 16000 and abs(len(wave) - 11025) <= 1 and wave.dtype == np.float32


def test_silence_is_found_from_the_loudest_window_at_once() -> None:
    rng = np.random.default_rng(0)
    assert loudest_dbfs(np.zeros(22050, np.float32), 22050) == float("-inf")
    assert is_silent(np.zeros(22050, np.float32), 22050)
    assert is_silent(rng.normal(0, 3e-4, 22050).astype(np.float32), 22050)  # hiss at about -70 dBFS
    assert is_silent(np.full(22050, 0.2, np.float32), 22050)  # a DC offset is no speech
    quiet_word = np.concatenate([np.zeros(44100, np.float32), 0.01 * tone(0.3)])  # -40 dBFS, after 2 s of silence
    assert not is_silent(quiet_word, 22050) and not is_silent(tone(0.5), 22050)
    long = rng.normal(0, 1e-4, 22050 * 600).astype(np.float32)  # ten minutes
    started = time.perf_counter()
    assert is_silent(long, 22050)
    assert time.perf_counter() - started < 1.0


def test_audio_formats_and_atomic_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import soundfile as sf

    for fmt in writable_formats():
        path = save_audio(tmp_path / f"a.{fmt}", tone(0.5), 22050)
        assert abs(sf.info(str(path)).duration - 0.5) < 0.1, fmt
    assert not list(tmp_path.glob(".*"))
    with pytest.raises(RegenError, match="not an audio format regen writes; choose one of wav"):
        check_format("ogg")
    monkeypatch.setattr(sf, "available_formats", lambda: {"WAV": "", "FLAC": ""})
    with pytest.raises(RegenError, match=r"cannot write MP3 .*; choose one of wav, flac$"):
        save_audio(tmp_path / "b.mp3", tone(0.5), 22050)
    assert not (tmp_path / "b.mp3").exists()


def test_join_waves_puts_pauses_between() -> None:
    joined = join_waves([np.ones(100, np.float32), np.ones(50, np.float32)], 1000, 0.2)
    assert len(joined) == 350 and joined[100:300].max() == 0 and joined[300:].min() == 1


def test_a_recording_too_big_for_free_memory_is_one_line(tmp_path: Path, monkeypatch) -> None:
    from regen.speech.data import audio

    path = save_wav(tmp_path / "long.wav", tone(2.0, 16000), 16000)
    monkeypatch.setattr(audio, "available_memory", lambda: 10_000)
    with pytest.raises(RegenError, match=r"need about .* GiB of memory .* cut it into parts") as caught:
        read_recording(path, 22050)
    assert "\n" not in str(caught.value)
