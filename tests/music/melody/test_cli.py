"""`regen music melody` with bad input: one `error:` line on stderr, exit 2, nothing written; without a
shipped checkpoint it says in one line how to train one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regen.cli.main import app
from regen.music.melody.compose import chunks, join, parse_key, parse_meter
from regen.music.melody.output import lyric_line
from regen.music.melody.segments import Segment
from regen.music.melody.syllables import lyric_syllables

IMAGE = "image/digits-pool-tiny"
MELODY = ["music", "melody"]
LYRICS = ["--lyrics", "Amazing grace, how sweet the sound"]
CASES = [
    ("no-lyrics", [*MELODY, "--out", "out"]),
    ("both-lyrics", [*MELODY, *LYRICS, "--lyrics-file", "lines.txt", "--out", "out"]),
    ("empty-lyrics", [*MELODY, "--lyrics", "   ", "--out", "out"]),
    ("no-syllable", [*MELODY, "--lyrics", "123 -- !!", "--out", "out"]),
    ("lyrics-file-missing", [*MELODY, "--lyrics-file", "nope.txt", "--out", "out"]),
    ("lyrics-file-empty", [*MELODY, "--lyrics-file", "empty.txt", "--out", "out"]),
    ("lyrics-file-binary", [*MELODY, "--lyrics-file", "binary.txt", "--out", "out"]),
    ("lyrics-file-directory", [*MELODY, "--lyrics-file", "adir", "--out", "out"]),
    ("unknown-key", [*MELODY, *LYRICS, "--key", "H", "--out", "out"]),
    ("unknown-key-mode", [*MELODY, *LYRICS, "--key", "G dorian", "--out", "out"]),
    ("unknown-meter", [*MELODY, *LYRICS, "--meter", "3/5", "--out", "out"]),
    ("meter-garbage", [*MELODY, *LYRICS, "--meter", "waltz", "--out", "out"]),
    ("language-garbage", [*MELODY, *LYRICS, "--language", "English!", "--out", "out"]),
    ("temperature-nan", [*MELODY, *LYRICS, "--temperature", "nan", "--out", "out"]),
    ("out-is-file", [*MELODY, *LYRICS, "--out", "afile.txt"]),
    ("out-below-file", [*MELODY, *LYRICS, "--out", "afile.txt/sub/out"]),
    ("model-nope", [*MELODY, *LYRICS, "--model", "nope", "--out", "out"]),
    ("model-other-task", [*MELODY, *LYRICS, "--model", IMAGE, "--out", "new/out"]),
]


def _tree(root: Path) -> dict[str, tuple]:
    return {str(p.relative_to(root)): ("dir",) if p.is_dir() else (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*")}


def _run(cwd: Path, args: list[str]):
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, args)
    finally:
        os.chdir(here)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile.txt").write_text("just a text file\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00\x81" * 64)
    (tmp_path / "lines.txt").write_text("Amazing grace\nhow sweet the sound\n")
    return tmp_path


@pytest.mark.parametrize("args", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line(work: Path, args: list[str]) -> None:
    before = _tree(work)
    result = _run(work, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert _tree(work) == before


def test_without_a_shipped_checkpoint_it_says_how_to_train(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("regen.core.assets.ASSETS", work / "no-assets")
    result = _run(work, [*MELODY, *LYRICS, "--out", "out"])
    assert result.exit_code == 2 and not (work / "out").exists()
    assert result.stderr.strip().splitlines() == [
        "error: no shipped music/melody-tiny checkpoint yet; train it with `regen train music/melody-tiny --out "
        "src/regen/assets/music/melody-tiny` (about 25 minutes on 2 CPU cores) or pass --model DIR"]


def test_keys_meters_and_chunks() -> None:
    assert parse_key("G") == (7, "major") and parse_key("F#m") == (6, "minor") and parse_key("Bb major") == (10, "major")
    assert parse_key("e minor") == (4, "minor") and parse_key("E-") == (3, "major")
    assert parse_meter(" 6/8 ") == "6/8"
    syllables = lyric_syllables("one two three\nfour five six seven eight nine ten eleven\ntwelve")
    # 3 + 11 + 1 syllables: lines packed whole where they fit, a longer line cut
    assert [len(c) for c in chunks(syllables, 8)] == [3, 8, 4] and [len(c) for c in chunks(syllables, 12)] == [3, 12]
    assert [len(c) for c in chunks(syllables, 4)] == [3, 4, 4, 4]
    assert lyric_line(lyric_syllables("Amazing grace, how sweet!")) == "Amazing grace, how sweet!"
    a = Segment(0, "major", "3/4", 24, (0, 0), (12, 12), (60, 62), (False, True))
    b = Segment(0, "major", "3/4", 12, (0, 6), (12, 12), (64, 65), (False, True))
    joined = join([a, b])
    assert joined.onsets() == [24, 36, 48, 66] and joined.positions()[2] == 12  # b's first note keeps its beat
