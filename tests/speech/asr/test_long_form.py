"""A recording longer than one piece (here about 21 s of RepMix reading eight sentences) is cut at its pauses
and transcribed piece by piece: `regen speech transcribe --format srt/vtt/json` give each piece's time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from regen.cli.main import app
from regen.speech.tts.speaker import Speaker

SENTENCES = ["Meet me at the station at noon.", "Bring the blue umbrella with you.",
             "The bank is closed on Sunday.", "I need to pick up my dry cleaning.",
             "Could you grab some batteries?", "We are out of milk again.",
             "My package was supposed to arrive yesterday.", "Let's get the groceries first."]


@pytest.fixture(scope="module")
def long_recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    speaker = Speaker.from_checkpoints("speech/repmix-tiny", "istft")
    waves = [speaker.say(s).wave for s in SENTENCES]
    rate = speaker.mel.sample_rate
    gap = np.zeros(int(0.8 * rate), dtype=np.float32)
    wave = np.concatenate([p for w in waves for p in (w, gap)])
    path = tmp_path_factory.mktemp("long") / "long.wav"
    sf.write(path, wave, rate)
    return path, len(wave) / rate


def test_subtitles_of_a_long_recording(long_recording: tuple[Path, float]) -> None:
    path, seconds = long_recording
    assert seconds > 18
    result = CliRunner().invoke(app, ["speech", "transcribe", str(path), "--format", "srt"])
    assert result.exit_code == 0, result.output
    blocks = re.findall(r"(\d+)\n(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})\n(.+)\n", result.stdout)
    assert len(blocks) >= 2 and [int(b[0]) for b in blocks] == list(range(1, len(blocks) + 1))
    clock = lambda t: int(t[:2]) * 3600 + int(t[3:5]) * 60 + float(t[6:].replace(",", "."))  # noqa: E731
    times = [(clock(a), clock(b)) for _, a, b, _ in blocks]
    assert all(a < b <= seconds + 0.01 for a, b in times) and all(times[k][1] <= times[k + 1][0] for k in range(len(times) - 1))
    assert "station" in blocks[0][3]  # the first piece starts with the first sentence


def test_json_carries_the_segments_and_subtitles_need_one_file(long_recording: tuple[Path, float]) -> None:
    path, _ = long_recording
    result = CliRunner().invoke(app, ["speech", "transcribe", str(path), "--format", "json"])
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(record["segments"]) >= 2 and record["text"] == " ".join(s["text"] for s in record["segments"] if s["text"])
    two = CliRunner().invoke(app, ["speech", "transcribe", str(path), str(path), "--format", "vtt"])
    assert two.exit_code == 2 and "give one file" in two.output


def test_an_unknown_format_is_one_line_before_any_work(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["speech", "transcribe", str(tmp_path / "none.wav"), "--format", "docx"])
    assert result.exit_code == 2 and "--format 'docx': choose text, json, srt or vtt" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.iterdir())
