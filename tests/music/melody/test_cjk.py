"""Chinese, Japanese and Korean lyrics: a syllable per Han character, kana mora and Hangul block, full-width
punctuation as phrase ends, and figures that draw them in a CJK font (or leave them out) without
matplotlib's missing-glyph warnings."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from regen.music import fonts
from regen.music.melody.cjk import morae
from regen.music.melody.output import lyric_line, write_pianoroll, write_template_figure
from regen.music.melody.segments import TICKS, Segment
from regen.music.melody.syllables import lyric_syllables
from regen.music.melody.tokens import syllable_value

POEM = "床前明月光，疑是地上霜。"


def test_chinese_sings_one_syllable_per_character() -> None:
    syllables = lyric_syllables(POEM)
    assert [s.text for s in syllables] == list("床前明月光疑是地上霜")
    assert {(s.position, s.word_syllables, s.stress) for s in syllables} == {("single", 1, 1)}
    assert [(k, s.punctuation) for k, s in enumerate(syllables) if s.punctuation] == [(4, "，"), (9, "。")]
    assert [k for k, s in enumerate(syllables) if s.line_end] == [4, 9]
    assert lyric_line(syllables) == POEM
    # the full-width comma and full stop are a pause and a stop, as "," and "." are
    comma, stop = lyric_syllables("Grace, grace.")
    assert [syllable_value(s) for s in (syllables[4], syllables[9])] == [syllable_value(comma), syllable_value(stop)]
    assert [s.text for s in lyric_syllables(POEM, language="zh")] == [s.text for s in syllables]


def test_japanese_kana_sing_one_syllable_per_mora() -> None:
    assert morae("きょうはパーティー") == ["きょ", "う", "は", "パ", "ー", "ティ", "ー"]  # small kana join, ー is a mora
    assert morae("がっこう") == ["がっ", "こ", "う"] and morae("ほんとう") == ["ほ", "ん", "と", "う"]
    assert morae("ｶﾞｯｺｰ") == ["ｶﾞｯ", "ｺ", "ｰ"] and morae("ゃあ") == ["ゃ", "あ"]
    syllables = lyric_syllables("ふるいけや　かわずとびこむ　みずのおと", language="ja")
    assert len(syllables) == 17 and [k for k, s in enumerate(syllables) if s.line_end] == [16]
    mixed = lyric_syllables("東京タワー、見てる？")  # kanji: a syllable each, whatever its reading
    assert [s.text for s in mixed] == ["東", "京", "タ", "ワ", "ー", "見", "て", "る"]
    assert mixed[4].punctuation == "、" and mixed[-1].punctuation == "？" and mixed[4].line_end


def test_korean_sings_one_syllable_per_block_and_latin_words_stay_whole() -> None:
    syllables = lyric_syllables("아리랑 아리랑 아라리요！", language="ko")
    assert [s.text for s in syllables][:3] == ["아", "리", "랑"] and len(syllables) == 10
    assert [s.position for s in syllables[:3]] == ["begin", "middle", "end"] and syllables[0].word == "아리랑"
    assert [s.stress for s in syllables[:3]] == [1, 0, 0] and syllables[-1].punctuation == "！"
    assert lyric_line(syllables) == "아리랑 아리랑 아라리요！"
    mixed = lyric_syllables("I love 東京!")
    assert [(s.text, s.word) for s in mixed] == [("I", "I"), ("love", "love"), ("東", "東"), ("京", "京")]
    assert lyric_line(mixed) == "I love 東京!"


def _sung(text: str) -> Segment:
    syllables = tuple(lyric_syllables(text))
    n = len(syllables)
    return Segment(0, "major", "4/4", 0, (0,) * n, (TICKS,) * n, tuple(60 + k % 5 for k in range(n)),
                   (False,) * (n - 1) + (True,), syllables)


def _missing_glyphs(draw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_cjk_lyrics_draw_in_a_cjk_font(tmp_path: Path) -> None:
    if fonts.cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-noto-cjk)")
    assert fonts.drawable(POEM) == POEM and len(fonts.families()) == 2
    segment = _sung(POEM + "\nきょうは아리랑")
    assert _missing_glyphs(lambda: write_pianoroll(segment, tmp_path / "roll.png", POEM)) == []
    assert _missing_glyphs(lambda: write_template_figure(segment, tmp_path / "t.png", POEM)) == []
    assert (tmp_path / "roll.png").stat().st_size > 0


def test_without_a_cjk_font_the_figures_leave_those_characters_out(tmp_path: Path, capsys,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from regen.music.pianoroll import write_pianoroll as write_chorale_roll

    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    fonts._say_left_out.cache_clear()
    assert fonts.drawable("Amazing grace") == "Amazing grace" and fonts.families() == [fonts.default_family()]
    assert capsys.readouterr().err == ""
    assert fonts.drawable(POEM) == "" and fonts.drawable("光 grace") == " grace"
    segment = _sung(POEM)
    assert _missing_glyphs(lambda: write_pianoroll(segment, tmp_path / "roll.png", POEM)) == []
    grid = np.full((4, 32), 30)
    assert _missing_glyphs(lambda: write_chorale_roll(grid, tmp_path / "chorale.png", title="和声 harmony")) == []
    notes = capsys.readouterr().err.strip().splitlines()
    assert len(notes) == 1 and "fonts-noto-cjk" in notes[0]


def test_melody_command_sets_unspaced_chinese_a_note_per_character(tmp_path: Path) -> None:
    from music21 import converter

    from regen.cli.main import app

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(app, ["music", "melody", "--lyrics", POEM, "--language", "zh",
                                          "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "(10 syllables" in result.stdout
    assert not [w for w in caught if "missing from font" in str(w.message)]
    notes = [n for n in converter.parse(str(tmp_path / "out" / "melody-01.musicxml")).flatten().notes
             if n.tie is None or n.tie.type == "start"]
    assert [n.lyric for n in notes] == ["床", "前", "明", "月", "光，", "疑", "是", "地", "上", "霜。"]
