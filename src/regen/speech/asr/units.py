"""What a recogniser emits: CTC output units for the two ASR routes.

- **phones** (regeneration ASR, Y' = phonemes): the 39 ARPAbet phonemes without lexical
  stress plus the word boundary '|' between words;
- **chars** (the Direct baseline): the 26 letters, the apostrophe and the space.

Id 0 is CTC's blank in both. A transcript becomes its targets through the project's text
front end (normalisation, CMU dictionary, espeak-ng for other words): the same G2P the TTS
models read, so nothing here is a second G2P.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from regen.core.errors import RegenError
from regen.speech.text.mixing import TextFrontEnd
from regen.speech.text.normalize import normalize
from regen.speech.text.symbols import CONSONANTS, VOWELS, Vocabulary

BLANK = "<blank>"
BOUNDARY = "|"
PHONE_UNITS = Vocabulary("asr-phone", [BLANK, BOUNDARY, *VOWELS, *CONSONANTS])
CHAR_UNITS = Vocabulary("asr-char", [BLANK, " ", *"abcdefghijklmnopqrstuvwxyz'"])
UNIT_KINDS = ("phones", "chars")


def units_of(kind: str) -> Vocabulary:
    """The unit vocabulary of `kind` ('phones' or 'chars')."""
    if kind not in UNIT_KINDS:
        raise RegenError(f"unknown ASR units '{kind}'; choose one of {', '.join(UNIT_KINDS)}")
    return PHONE_UNITS if kind == "phones" else CHAR_UNITS


def strip_stress(phones: Sequence[str]) -> tuple[str, ...]:
    """ARPAbet phones without their stress digits: ('HH', 'AH0', 'L', 'OW1') -> ('HH', 'AH', 'L', 'OW')."""
    return tuple(p.rstrip("012") for p in phones)


@dataclass(frozen=True)
class Transcript:
    """A sentence as the recogniser should hear it: its words (lower case, normalised) and each
    word's pronunciation without stress."""

    words: tuple[str, ...]
    prons: tuple[tuple[str, ...], ...]

    def units(self, kind: str) -> list[str]:
        """The CTC target symbols: phones with '|' between words, or the characters of the words
        joined by single spaces."""
        if kind == "chars":
            return list(" ".join(self.words))
        out: list[str] = []
        for k, pron in enumerate(self.prons):
            out += ([BOUNDARY] if k else []) + list(pron)
        return out

    def text(self) -> str:
        """The words joined by single spaces (the reference a transcript is scored against)."""
        return " ".join(self.words)


def transcript(text: str, front_end: TextFrontEnd) -> Transcript:
    """Normalise `text` (numbers spelled out, punctuation dropped) and pronounce its words."""
    tokens = [t for t in front_end.tokens(normalize(text, lowercase=True), normalized=True) if t.is_word]
    if not tokens:
        raise RegenError(f"no word to recognise in {text!r}")
    return Transcript(tuple(t.text for t in tokens), tuple(strip_stress(t.phones or ()) for t in tokens))


def phone_words(units: Sequence[str]) -> list[tuple[str, ...]]:
    """Phone units split at the boundaries into per-word pronunciations (empty words dropped)."""
    words: list[tuple[str, ...]] = []
    current: list[str] = []
    for unit in [*units, BOUNDARY]:
        if unit == BOUNDARY:
            if current:
                words.append(tuple(current))
            current = []
        elif unit != BLANK:
            current.append(unit)
    return words
