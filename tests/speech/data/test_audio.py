from pathlib import Path

import numpy as np
import pytest

from regen.core.errors import RegenError
from regen.speech.data.audio import check_wav_file, load_wav, require_audible, save_wav

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
