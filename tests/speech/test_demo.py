"""The speech section of the demo page: the default model in two voices and at a faster rate."""

from pathlib import Path

import pytest
import soundfile as sf

from regen.speech import demo


def test_demo_section_says_two_voices_and_a_rate_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    duration_rows = [system for system in demo.SYSTEMS if system[0] == "duration-tiny"]
    assert {system[3].get("voice") for system in duration_rows} >= {"festival:slt", "festival:kal"}
    assert any(system[3].get("rate", 1.0) != 1.0 for system in duration_rows)
    monkeypatch.setattr(demo, "SYSTEMS", tuple(duration_rows))
    page = demo.demo_section(tmp_path)
    wavs = sorted((tmp_path / "speech").glob("*.wav"))
    assert len(wavs) == 2 * len(duration_rows) and "voice festival:kal" in page and "at rate 1.3" in page
    assert all(0.5 < sf.info(str(w)).duration < 15 for w in wavs)
    assert str(tmp_path) not in page and "durations" in page
