"""ASR output units: transcripts through the project's G2P, boundaries, the two unit kinds."""

from __future__ import annotations

import pytest

from regen.core.errors import RegenError
from regen.speech.asr.units import (BOUNDARY, CHAR_UNITS, PHONE_UNITS, phone_words, strip_stress, transcript,
                                    units_of)
from regen.speech.text.mixing import TextFrontEnd


def test_transcript_normalises_and_pronounces_without_stress() -> None:
    script = transcript("Hello, World 42!", TextFrontEnd())
    assert script.words == ("hello", "world", "forty", "two")
    assert script.prons[0] == ("HH", "AH", "L", "OW") and script.prons[3] == ("T", "UW")
    phones = script.units("phones")
    assert phones.count(BOUNDARY) == 3 and phones[:5] == ["HH", "AH", "L", "OW", BOUNDARY]
    assert "".join(script.units("chars")) == "hello world forty two"
    assert all(u in PHONE_UNITS for u in phones) and all(u in CHAR_UNITS for u in script.units("chars"))


def test_phone_words_split_at_boundaries_and_skip_blanks() -> None:
    assert phone_words(["K", "AE", "T", "|", "|", "S", "<blank>", "AE", "T", "|"]) == [("K", "AE", "T"),
                                                                                     ("S", "AE", "T")]
    assert strip_stress(("AH0", "B", "AW1")) == ("AH", "B", "AW")


def test_bad_units_and_empty_text_are_user_errors() -> None:
    with pytest.raises(RegenError, match="unknown ASR units"):
        units_of("words")
    with pytest.raises(RegenError, match="no word"):
        transcript("... !", TextFrontEnd())
