"""Evaluation-only sentence sets for the text-to-speech benchmarks.

`everyday_sentences()` returns 320 sentences of modern everyday English
(errands, weather, work, travel, phone calls, small talk, ...), written for
this project and dedicated to the public domain (CC0). They are for held-out
evaluation only and must never be trained on: synthesised speech is judged by
an off-the-shelf speech recogniser on text unlike the training text.

They differ from the held-out King James sentences
(`regen.speech.data.sentences.held_out_texts`): those come from the same
book, style and vocabulary as the training corpus (archaic forms such as
"thee", "hath", "begat"), so they measure in-domain generalisation; these
measure out-of-domain text: present-day vocabulary, contractions, questions
and exclamations, proper names, and numbers, prices, percentages and ordinals
written as digits that the text normaliser must expand ("$45", "30%", "1st").
Lines are raw text, 4-20 words each; normalise them like any user input.
"""

from __future__ import annotations

from importlib import resources

EVERYDAY_FILE = "everyday_english.txt"


def everyday_sentences() -> list[str]:
    """The everyday English evaluation sentences, raw text, in file order.

    Read from the package data (works from an installed wheel); blank lines
    and '#' comment lines are skipped.
    """
    text = resources.files("regen.speech.data").joinpath(EVERYDAY_FILE).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def sentence_split(item_id: str) -> str:
    """'dev' or 'test': a sentence's side of the development/test split, by the parity of its number
    (S00017 -> test), the same sentence on the same side for every voice. Choices are made on dev,
    tables reported on test."""
    digits = "".join(c for c in item_id if c.isdigit())
    return "test" if int(digits or 0) % 2 else "dev"
