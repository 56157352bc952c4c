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


def test_a_mixed_tts_voice_is_a_new_speaker_between_its_voices() -> None:
    import numpy as np
    import pytest

    from regen.core.errors import RegenError
    from regen.speech.features.mel import load_mel_config, log_mel

    mel = load_mel_config("logmel-ch4")
    text = ["The birch canoe slid on the smooth planks."]

    def spectrum(spec: str) -> np.ndarray:
        utt = next(parse_voice(spec).synthesize(text))
        assert utt.sample_rate == 22050 and utt.phone_set == "none" and abs(utt.audio).max() > 0.05
        return log_mel(utt.audio, mel).numpy().mean(0)  # the voice's mean spectrum (n_mels,)

    slt, kal, mixed = spectrum("tts:slt@1"), spectrum("tts:kal@1"), spectrum("tts:slt@0.5,kal@0.5")
    assert np.abs(mixed - slt).mean() > 0.05 and np.abs(mixed - kal).mean() > 0.05
    assert np.abs(mixed - (slt + kal) / 2).mean() < np.abs(slt - kal).mean()
    voice = parse_voice("tts:festival:slt@0.5,espeak:en-us+f3@0.5")
    assert voice.slug == "tts-festival-slt-0.5_espeak-en-us+f3-0.5"
    with pytest.raises(RegenError, match="unknown voice 'hal'"):
        next(parse_voice("tts:hal@1").synthesize(text))


def test_espeak_settings_change_rate_and_pitch_and_do_not_linger() -> None:
    import dataclasses

    import numpy as np
    import pytest

    from regen.core.errors import RegenError
    from regen.speech.features.mel import load_mel_config
    from regen.speech.tts.duration.pitch import frame_log_f0

    text = ["The birch canoe slid on the smooth planks."]

    def said(spec: str) -> tuple[float, float]:
        utt = next(parse_voice(spec).synthesize(text))
        mel = load_mel_config("logmel-ch4")
        f0 = frame_log_f0(utt.audio, dataclasses.replace(mel, sample_rate=utt.sample_rate))
        return len(utt.audio) / utt.sample_rate, float(np.median(f0))

    plain, fast, high = said("espeak:en-us"), said("espeak:en-us,rate=300"), said("espeak:en-us,pitch=90")
    assert fast[0] < 0.7 * plain[0] and high[1] > plain[1] + 0.1  # log F0: over 10 % higher
    again = said("espeak:en-us")  # the settings of the voices before are not kept
    assert abs(again[0] - plain[0]) < 0.05 and abs(again[1] - plain[1]) < 0.02
    for bad in ("espeak:en-us,rate=20", "espeak:en-us,speed=200", "espeak:en-us,pitch=high"):
        with pytest.raises(RegenError, match="write rate=80..450"):
            parse_voice(bad)
