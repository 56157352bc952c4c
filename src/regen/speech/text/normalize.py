"""Text normalisation: raw English text -> speakable words and punctuation.

Expands currency, percentages, ordinals, years, decimals, cardinals and common
abbreviations; maps typographic punctuation to ASCII; lower-cases on request.

Characters outside ASCII are transliterated with Unicode NFKD (accents dropped:
"café" -> "cafe", "ﬁ" -> "fi"); a character with no ASCII form (e.g. "字", "€"
inside a word) raises RegenError naming it and its position. Pronunciation
overrides in braces, "{HH AH0 L OW1}", pass through untouched.
"""

from __future__ import annotations

import re
import unicodedata

from regen.core.errors import RegenError
from regen.speech.text import numbers

PUNCTUATION = ".,?!;:-'"
TYPOGRAPHY = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'", "`": "'", "\u201c": '"', "\u201d": '"',
              "\u201e": '"', "\u2033": '"', "\u2013": " - ", "\u2014": " - ", "\u2015": " - ", "\u2026": "...",
              "\u00a0": " ", "\t": " ", "\n": " ", "\r": " "}
ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "ms": "miz", "dr": "doctor", "st": "saint", "jr": "junior",
                 "sr": "senior", "prof": "professor", "capt": "captain", "gen": "general", "lt": "lieutenant",
                 "col": "colonel", "sgt": "sergeant", "rev": "reverend", "hon": "honorable", "co": "company",
                 "ltd": "limited", "vs": "versus", "etc": "et cetera", "approx": "approximately", "dept": "department",
                 "mt": "mount", "ft": "fort", "no": "number"}
LATIN = {"e.g.": "for example", "i.e.": "that is", "a.m.": "a m", "p.m.": "p m"}
SYMBOLS = {"&": " and ", "+": " plus ", "=": " equals ", "@": " at ", "#": " number ", "/": " slash ",
           "*": " ", "_": " ", '"': " ", "(": ", ", ")": ", ", "[": ", ", "]": ", ", "<": " less than ",
           ">": " greater than ", "~": " about ", "|": " ", "\\": " ", "^": " "}

_OVERRIDE = re.compile(r"\{[^{}]*\}")
_MONEY = re.compile(r"([$£€])\s?(\d[\d,]*(?:\.\d+)?)")
_PERCENT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s?%")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[1-9]\d\d|20[1-9]\d)\b(?![.,]\d)")
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+")
_ABBREV = re.compile(r"\b(" + "|".join(ABBREVIATIONS) + r")\.(?=\s|$)", re.IGNORECASE)
_NUMBER_ABBREV = re.compile(r"\bno\.\s?(?=\d)", re.IGNORECASE)


def transliterate(text: str) -> str:
    """Map typographic marks to ASCII and strip accents (NFKD); error on the rest."""
    out = []
    for i, ch in enumerate(text):
        if ch in TYPOGRAPHY:
            out.append(TYPOGRAPHY[ch])
            continue
        if ch in "£€" or ord(ch) < 128:
            out.append(ch)
            continue
        ascii_form = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) < 128)
        if not ascii_form and unicodedata.category(ch).startswith("M"):
            continue  # a lone combining mark: an accent already separated from its letter
        if not ascii_form:
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            raise RegenError(f"unsupported character '{ch}' ({name}) at position {i}; "
                             "write it out in English or remove it")
        out.append(ascii_form)
    return "".join(out)


def _expand(text: str) -> str:
    for latin, spoken in LATIN.items():
        text = re.sub(re.escape(latin), spoken, text, flags=re.IGNORECASE)
    text = _NUMBER_ABBREV.sub("number ", text)
    text = _ABBREV.sub(lambda m: _match_case(m.group(1), ABBREVIATIONS[m.group(1).lower()]), text)
    text = _MONEY.sub(lambda m: f" {numbers.money(m.group(1), m.group(2))} ", text)
    text = _PERCENT.sub(lambda m: f"{numbers.decimal(m.group(1))} percent", text)
    text = _ORDINAL.sub(lambda m: numbers.ordinal(int(m.group(1))), text)
    text = _YEAR.sub(lambda m: numbers.year(int(m.group(1))), text)
    text = _NUMBER.sub(lambda m: f" {numbers.decimal(m.group(0))} ", text)
    for symbol, spoken in SYMBOLS.items():
        text = text.replace(symbol, spoken)
    if "£" in text or "€" in text:
        raise RegenError("a currency sign must be followed by an amount, e.g. '£5'")
    return text


def _match_case(source: str, words: str) -> str:
    return words.capitalize() if source[:1].isupper() else words


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([.,?!;:])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"[,;:]+\s*([.?!])", r"\1", text)
    text = re.sub(r"^[\s,;:]+", "", text)
    return text.strip()


def normalize(text: str, lowercase: bool = True) -> str:
    """Raw text -> normalised text over [a-zA-Z] + space + PUNCTUATION (+ {overrides}).

    normalize("Dr. Smith paid $5.50 on the 3rd.") ->
    "doctor smith paid five dollars and fifty cents on the third."
    """
    pieces = []
    last = 0
    for match in _OVERRIDE.finditer(text):
        pieces.append(_normalize_plain(text[last : match.start()], lowercase))
        pieces.append(" " + match.group(0) + " ")
        last = match.end()
    pieces.append(_normalize_plain(text[last:], lowercase))
    result = _tidy("".join(pieces))
    if "{" in result or "}" in result:
        if re.sub(r"\{[^{}]*\}", "", result).count("{") or re.sub(r"\{[^{}]*\}", "", result).count("}"):
            raise RegenError("unbalanced '{' or '}' in text; pronunciation overrides look like {HH AH0 L OW1}")
    return result


def _normalize_plain(text: str, lowercase: bool) -> str:
    if "{" in text or "}" in text:
        raise RegenError("unbalanced '{' or '}' in text; pronunciation overrides look like {HH AH0 L OW1}")
    text = _expand(transliterate(text))
    allowed = set(PUNCTUATION) | {" "}
    cleaned = []
    for i, ch in enumerate(text):
        if ch.isascii() and (ch.isalpha() or ch in allowed):
            cleaned.append(ch)
        elif ch.isspace():
            cleaned.append(" ")
        else:
            raise RegenError(f"unsupported character '{ch}' at position {i} after normalisation")
    out = "".join(cleaned)
    return out.lower() if lowercase else out
