"""Voices report word intervals that training can cut at."""

from __future__ import annotations

from regen.speech.data.voices import parse_voice


def test_festival_words_are_timed_after_their_pauses() -> None:
    utt = next(parse_voice("festival:slt").synthesize(["In the beginning, God created it."]))
    words = [w["word"] for w in utt.words]
    assert words == ["In", "the", "beginning", "God", "created", "it"]
    pause = next(p for p in utt.phones[1:] if p["phone"] == "pau")  # the pause at the comma
    god = utt.words[3]
    assert god["start"] == pause["end"] and god["end"] > god["start"]
    assert utt.words[0]["start"] == utt.phones[0]["end"] > 0  # after the leading silence
    assert all(a["end"] <= b["start"] for a, b in zip(utt.words, utt.words[1:]))


def test_flite_speaks_and_says_it_is_reserved() -> None:
    from regen.speech.data.voices import describe_voice

    utt = next(parse_voice("flite:rms").synthesize(["Good morning."]))
    assert utt.sample_rate == 16000 and 0.3 < len(utt.audio) / utt.sample_rate < 3 and abs(utt.audio).max() > 0.05
    assert "reserved for evaluation" in describe_voice("flite:rms")
