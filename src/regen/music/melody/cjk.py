"""Chinese, Japanese and Korean lyrics: the script of a character and the sung units of a run of it.

Text in these scripts has no spaces between words (Korean aside) and no vowel letters, so the
Latin syllabifier of `regen.music.melody.syllables` would sing a whole clause on one note. Here the
script decides, whatever the `--language` code:

- Han ideographs (Chinese hanzi, Japanese kanji, with 々 〆 〇): one syllable per character, each its
  own one-syllable word (no rule can find word boundaries in unspaced text). A kanji read over
  several morae (山, ya-ma) still gets one note: write Japanese lyrics in kana for a note per mora.
- Kana (hiragana, katakana, halfwidth katakana): one syllable per mora, each its own word. The small
  kana ゃゅょ ぁぃぅぇぉ ゎ (and their katakana, ティ, ファ) join the kana before them; ん counts as a
  mora. The long-vowel mark ー counts as a mora of its own: Japanese song setting gives it a note
  that holds the vowel on (ラ-ー-メ-ン), and it is printed under that note. The sokuon っ/ッ joins
  the mora before it: it is silence before the next consonant, the closing of that note (がっ-こ-う),
  not a note of its own.
- Hangul: one syllable per block; the blocks between two spaces form a word.

`LATIN` marks every other letter (Latin, Greek, Cyrillic, ...), left to the Latin syllabifier.
"""

from __future__ import annotations

from itertools import groupby

LATIN, HAN, KANA, HANGUL = "latin", "han", "kana", "hangul"
_RANGES = ((0x3005, 0x3007, HAN), (0x303B, 0x303B, HAN), (0x3400, 0x4DBF, HAN), (0x4E00, 0x9FFF, HAN),
           (0xF900, 0xFAFF, HAN), (0x20000, 0x323AF, HAN),
           (0x3041, 0x309F, KANA), (0x30A0, 0x30FF, KANA), (0x31F0, 0x31FF, KANA), (0xFF66, 0xFF9F, KANA),
           (0x1100, 0x11FF, HANGUL), (0x3130, 0x318F, HANGUL), (0xA960, 0xA97F, HANGUL), (0xAC00, 0xD7A3, HANGUL))
SMALL_KANA = frozenset("ぁぃぅぇぉゃゅょゎァィゥェォャュョヮｧｨｩｪｫｬｭｮ" + "".join(map(chr, range(0x31F0, 0x3200))))
"""Small kana that join the kana before them into one mora (not ゕゖヵヶ, read as a full ka/ke)."""
SOKUON = frozenset("っッｯ")
"""The geminate mark: joins the mora before it (see the module docstring)."""
VOICING = frozenset("ﾞﾟ")
"""Halfwidth voicing marks, part of the kana before them."""
LONG_VOWEL = frozenset("ーｰ")
"""The long-vowel mark: a mora of its own."""


def script(ch: str) -> str:
    """`HAN`, `KANA`, `HANGUL` or `LATIN` (any other letter) for one character."""
    code = ord(ch)
    for low, high, name in _RANGES:
        if low <= code <= high:
            return name
    return LATIN


def script_runs(word: str) -> list[tuple[str, str]]:
    """`word` cut into maximal runs of one script: [(script, text), ...] in order, e.g.
    'Tokyoの空' -> [(latin, 'Tokyo'), (kana, 'の'), (han, '空')]."""
    return [(name, "".join(chars)) for name, chars in groupby(word, key=script)]


def morae(kana: str) -> list[str]:
    """A run of kana as morae: 'きょうはパーティー' -> ['きょ', 'う', 'は', 'パ', 'ー', 'ティ', 'ー'],
    'がっこう' -> ['がっ', 'こ', 'う']. A joining mark that opens the run stands alone."""
    out: list[str] = []
    for ch in kana:
        if out and ch in SMALL_KANA | SOKUON | VOICING:
            out[-1] += ch
        else:
            out.append(ch)
    return out


def sung_units(name: str, text: str) -> list[str]:
    """The sung syllables of a run `text` of script `name` (not `LATIN`): characters of Han and
    Hangul, morae of kana."""
    return morae(text) if name == KANA else list(text)


def unspaced(ch: str) -> bool:
    """Whether the character `ch` belongs to a script written without spaces between words (Han, kana);
    False for an empty string."""
    return len(ch) == 1 and script(ch) in (HAN, KANA)
