import pytest

from regen.core.errors import RegenError
from regen.music.melody.syllables import lyric_syllables, split_syllables, sung_syllables


def test_english_lyric_features() -> None:
    syllables = lyric_syllables("Amazing grace, how sweet the sound\nThat saved a wretch like me!")
    assert [s.text for s in syllables[:3]] == ["A", "ma", "zing"]
    assert [s.stress for s in syllables[:3]] == [0, 1, 0]  # CMU: AH0 M EY1 Z IH0 NG
    assert [s.stress for s in lyric_syllables("understand")] == [0, 0, 1]  # CMU 2 0 1: secondary is unstressed
    assert [s.position for s in syllables[:3]] == ["begin", "middle", "end"]
    assert {s.word_syllables for s in syllables[:3]} == {3}
    assert len(syllables) == 14
    grace = syllables[3]
    # punctuation ends a line, as in the printed lyrics of the training songs (`sung_syllables`)
    assert (grace.word, grace.position, grace.punctuation, grace.line_end) == ("grace", "single", ",", True)
    assert syllables[6].text == "the" and syllables[6].stress == 0
    assert [i for i, s in enumerate(syllables) if s.line_end] == [3, 7, 13]
    assert syllables[-1].punctuation == "!"
    assert all(s.punctuation == "" for s in syllables[:3])


def test_other_languages_follow_the_stated_rules() -> None:
    german = lyric_syllables("Freude, schöner Götterfunken", language="de")
    assert [s.text for s in german] == ["Freu", "de", "schö", "ner", "Göt", "ter", "fun", "ken"]
    assert [s.stress for s in german] == [1, 0, 1, 0, 1, 0, 0, 0]  # first syllable
    italian = lyric_syllables("la giovinetta pianta", language="it")
    assert [s.stress for s in italian if s.word == "giovinetta"] == [0, 0, 1, 0]  # penult
    assert german[1].punctuation == "," and german[-1].line_end


def test_syllabifier_for_words_outside_the_dictionary() -> None:
    assert split_syllables("glimmerous", english=True) == ["glim", "me", "rous"]
    assert split_syllables("make", english=True) == ["make"]  # silent e
    assert split_syllables("table", english=True) == ["ta", "ble"]
    assert split_syllables("being", count=2) == ["be", "ing"]  # a vowel run split to reach the count
    assert split_syllables("costruire") == ["co", "strui", "re"]  # maximal onset "str"
    assert "".join(split_syllables("Götterfunken")) == "Götterfunken"


def test_lyrics_without_syllables_are_an_error() -> None:
    with pytest.raises(RegenError, match="no syllable"):
        lyric_syllables("  123 -- !! \n")


def test_sung_syllables_rebuild_words() -> None:
    syllables = sung_syllables(["Aus", "mei", "nes", "Her", "zens", "Grun", "de,"],
                               ["single", "begin", "end", "begin", "end", "begin", "end"], "de")
    assert [s.word for s in syllables] == ["Aus", "meines", "meines", "Herzens", "Herzens", "Grunde", "Grunde"]
    assert [s.stress for s in syllables] == [1, 1, 0, 1, 0, 1, 0]
    assert syllables[-1].punctuation == "," and syllables[-1].line_end and not syllables[2].line_end
