from pathlib import Path

import pytest
import soundfile as sf

from regen.core.errors import RegenError
from regen.speech.data.load import load_audio, load_corpus, read_ljspeech

from ..conftest import tone, write_ljspeech


def test_clean_folder_loads(lj_folder: Path) -> None:
    report = load_corpus(lj_folder, sample_rate=22050)
    assert [i.id for i in report.items] == ["LJ001", "LJ002", "LJ003", "LJ004", "LJ005"]
    assert report.items[0].seconds == pytest.approx(0.5) and not report.problems


def test_bad_rows_reported_with_line_numbers(tmp_path: Path) -> None:
    rows = ["A1|Fine.|Fine.", "A2 only one field", "A3||", "A1|Dup.|Dup.", "A5|Two fields only", "A6|x|y|z"]
    folder = write_ljspeech(tmp_path / "c", rows)
    report = read_ljspeech(folder, 22050)
    assert [i.id for i in report.items] == ["A1", "A5"]
    lines = {p.line: p.message for p in report.problems}
    assert set(lines) == {2, 3, 4, 6}
    assert "duplicate id A1 (first on line 1)" in lines[4]
    with pytest.raises(RegenError, match=r"4 problem\(s\).*metadata.csv:2"):
        load_corpus(folder)


def test_missing_truncated_and_wrong_rate_wavs(tmp_path: Path) -> None:
    folder = write_ljspeech(tmp_path / "c", [f"B{i}|Text {i}.|Text {i}." for i in range(4)])
    (folder / "wavs" / "B1.wav").unlink()
    data = (folder / "wavs" / "B2.wav").read_bytes()
    (folder / "wavs" / "B2.wav").write_bytes(data[: len(data) // 2])
    sf.write(folder / "wavs" / "B3.wav", tone(0.5, 16000), 16000, subtype="PCM_16")
    report = load_corpus(folder, sample_rate=22050, strict=False)
    assert [i.id for i in report.items] == ["B0"]
    messages = " ".join(str(p) for p in report.problems)
    assert "B1" in messages and "missing" in messages
    assert "B2" in messages and "truncated" in messages
    assert "16000 Hz, expected 22050 Hz" in messages
    resampled = load_corpus(folder, sample_rate=22050, resample=True, strict=False)
    b3 = next(i for i in resampled.items if i.id == "B3")
    assert len(load_audio(b3, 22050)) == pytest.approx(11025, abs=2)


def test_invalid_utf8_row_and_missing_metadata(tmp_path: Path) -> None:
    folder = write_ljspeech(tmp_path / "c", ["C1|Ok.|Ok."])
    with (folder / "metadata.csv").open("ab") as fh:
        fh.write(b"C2|\xff\xfe|bad\n")
    report = read_ljspeech(folder)
    assert report.problems[0].line == 2 and "UTF-8" in report.problems[0].message
    with pytest.raises(RegenError, match="no metadata.csv"):
        load_corpus(tmp_path)
