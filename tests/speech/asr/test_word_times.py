"""Word times on speech whose word times are known: festival's slt reads six sentences (it reports each
word's start and end), joined by pauses into one 20-second recording; `regen speech transcribe` writes
subtitles and JSON words whose times fall within 0.3 s of the true ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from regen.cli.main import app
from regen.speech.data.voices import parse_voice
from regen.speech.features.measures import word_list

SENTENCES = ["Meet me at the station at noon.", "Bring the blue umbrella with you.",
             "The bank is closed on Sunday.", "I need to pick up my dry cleaning.",
             "My package was supposed to arrive yesterday.", "Let's get the groceries first."]
TOLERANCE = 0.3


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, float, float]]]:
    """The recording and its true words: (word, start, end) in seconds."""
    rate, parts, truth, at = 22050, [], [], 0.0
    gap = np.zeros(int(0.9 * rate), dtype=np.float32)
    for utt in parse_voice("festival:slt").synthesize(SENTENCES):
        wave = np.interp(np.arange(0, len(utt.audio), utt.sample_rate / rate), np.arange(len(utt.audio)), utt.audio)
        truth += [(w, at + t["start"], at + t["end"]) for t in utt.words for w in word_list(t["word"])]
        parts += [wave.astype(np.float32), gap]
        at += (len(wave) + len(gap)) / rate
    path = tmp_path_factory.mktemp("timed") / "long.wav"
    sf.write(path, np.concatenate(parts), rate)
    return path, truth


def clock(t: str) -> float:
    return int(t[:2]) * 3600 + int(t[3:5]) * 60 + float(t[6:].replace(",", "."))


def test_subtitles_start_and_end_with_their_words(recording, tmp_path: Path) -> None:
    path, truth = recording
    out = tmp_path / "long.srt"
    result = CliRunner().invoke(app, ["speech", "transcribe", str(path), "--format", "srt", "--out", str(out)])
    assert result.exit_code == 0, result.output
    blocks = re.findall(r"\d+\n(\S+) --> (\S+)\n(.+)\n", out.read_text())
    assert len(blocks) >= 2
    starts, ends = np.array([t[1] for t in truth]), np.array([t[2] for t in truth])
    for a, b, _ in blocks:  # each cue starts at some word's start and ends at some word's end
        assert np.abs(starts - clock(a)).min() <= TOLERANCE and np.abs(ends - clock(b)).min() <= TOLERANCE
    assert abs(clock(blocks[0][0]) - truth[0][1]) <= TOLERANCE and abs(clock(blocks[-1][1]) - truth[-1][2]) <= TOLERANCE


def test_json_words_carry_their_times(recording) -> None:
    path, truth = recording
    result = CliRunner().invoke(app, ["speech", "transcribe", str(path), "--format", "json"])
    record = json.loads(result.stdout.strip().splitlines()[-1])
    heard = record["words"]
    assert [w["word"] for w in heard] == record["text"].split()
    assert all(w["start"] < w["end"] for w in heard)
    assert all(heard[k]["end"] <= heard[k + 1]["start"] + 1e-6 for k in range(len(heard) - 1))
    # every heard word that is the true word at that place in the sentence order is timed within tolerance
    close, matched = 0, 0
    for w in heard:
        same = [t for t in truth if t[0] == w["word"]]
        if same:
            nearest = min(same, key=lambda t: abs(t[1] - w["start"]))
            matched += 1
            close += abs(nearest[1] - w["start"]) <= TOLERANCE and abs(nearest[2] - w["end"]) <= TOLERANCE
    assert matched >= 0.7 * len(truth) and close >= 0.9 * matched, (matched, close)
