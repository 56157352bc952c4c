"""P2G from text alone: dictionary words round trip, the language model chooses among neighbours."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from regen.speech.asr.p2g import P2G, Lexicon, WordLM, build_p2g
from regen.speech.asr.units import transcript
from regen.speech.text.mixing import TextFrontEnd

WORDS = {"cat": ("K", "AE", "T"), "cad": ("K", "AE", "D"), "sat": ("S", "AE", "T"), "the": ("DH", "AH"),
         "mat": ("M", "AE", "T"), "on": ("AA", "N"), "two": ("T", "UW"), "to": ("T", "UW")}


def small_p2g() -> P2G:
    texts = [["the", "cat", "sat", "on", "the", "mat"], ["go", "to", "the", "cat"]]
    counts = Counter(w for t in texts for w in t)
    lexicon = Lexicon(counts, WORDS)
    return P2G(lexicon, WordLM(texts, lexicon.vocabulary))


def test_kneser_ney_bigram_is_a_distribution() -> None:
    lm = small_p2g().lm
    for previous in ("<s>", "the", "cat", "unseen"):
        total = sum(math.exp(lm.logprob(previous, w)) for w in lm.vocabulary)
        assert total == pytest.approx(1.0, abs=1e-6)
    assert lm.logprob("the", "cat") > lm.logprob("the", "on")  # seen bigram beats an unseen one


def test_exact_pronunciations_round_trip_and_homophones_follow_the_text() -> None:
    p2g = small_p2g()
    words, _ = p2g.decode([WORDS[w] for w in ("the", "cat", "sat", "on", "the", "mat")])
    assert words == ["the", "cat", "sat", "on", "the", "mat"]
    assert p2g.decode([("G", "OW"), ("T", "UW")])[0][1] == "to"  # 'to' is in the text, 'two' is not
    near, _ = p2g.decode([("DH", "AH"), ("K", "AE", "P")])  # no such word: the nearest pronunciations
    assert near[1] in {"cat", "cad"}


def test_dictionary_words_round_trip_through_the_full_p2g() -> None:
    p2g = build_p2g(300)
    front_end = TextFrontEnd()
    for sentence in ("and the lord spake unto moses", "call stella tomorrow about the telephone"):
        script = transcript(sentence, front_end)
        assert p2g.decode(script.prons)[0] == list(script.words)  # words beyond the text: the CMU dictionary

