"""P2G from text alone: dictionary words round trip, the language model chooses among neighbours."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from regen.speech.asr.p2g import P2G, Lexicon, WordLM, build_p2g, english_frequencies
from regen.speech.asr.units import transcript
from regen.speech.text.mixing import TextFrontEnd

WORDS = {"cat": ("K", "AE", "T"), "cad": ("K", "AE", "D"), "sat": ("S", "AE", "T"), "the": ("DH", "AH"),
         "mat": ("M", "AE", "T"), "on": ("AA", "N"), "two": ("T", "UW"), "to": ("T", "UW")}


def small_p2g() -> P2G:
    texts = [["the", "cat", "sat", "on", "the", "mat"], ["go", "to", "the", "cat"]]
    counts = Counter(w for t in texts for w in t)
    lexicon = Lexicon(counts, WORDS.items())
    return P2G(lexicon, WordLM(texts, lexicon.vocabulary))


@pytest.mark.parametrize("prior_weight", [0.0, 0.8])
def test_kneser_ney_bigram_is_a_distribution(prior_weight: float) -> None:
    base = small_p2g().lm
    prior = english_frequencies(base.vocabulary)
    lm = WordLM([["the", "cat", "sat", "on", "the", "mat"], ["go", "to", "the", "cat"]], base.vocabulary,
                prior=prior, prior_weight=prior_weight)
    for previous in ("<s>", "the", "cat", "unseen"):
        total = sum(math.exp(lm.logprob((previous,), w)) for w in lm.vocabulary)
        assert total == pytest.approx(1.0, abs=1e-6)
    assert lm.logprob(("the",), "cat") > lm.logprob(("the",), "on")  # seen bigram beats an unseen one
    # present-day English: 'two' (never in this text) gains on 'cad' (never in it either) only with the prior
    assert (lm.logprob(("unseen",), "two") > lm.logprob(("unseen",), "cad")) == (prior_weight > 0)


def test_english_frequencies_follow_wordfreq_and_refuse_stripped_tokens() -> None:
    freq = english_frequencies(["you", "ye", "this", "this'", "sunday"])
    assert sum(freq.values()) == pytest.approx(1.0)
    assert freq["you"] > 100 * freq["ye"] and freq["this"] > 1000 * freq["this'"]  # "this'" is not "this"


def test_two_phone_words_can_spell_one_word() -> None:
    p2g = build_p2g(300, 0.8)
    front_end = TextFrontEnd()
    split = [*transcript("birth", front_end).prons, *transcript("day", front_end).prons]
    assert p2g.decode(split)[0] == ["birthday"]  # the recogniser's split compound, joined
    assert p2g.decode([*transcript("the day", front_end).prons])[0] == ["the", "day"]


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



def test_a_second_text_source_adapts_the_p2g_from_text_alone() -> None:
    from regen.speech.data.sentences import austen, text_sentences

    kjv, adapted = build_p2g(300), build_p2g(300, 0.0, ("austen",))
    assert "churchhill" in adapted.lexicon.vocabulary and "churchhill" not in kjv.lexicon.vocabulary
    assert adapted.lm.logprob(("lady",), "susan") > kjv.lm.logprob(("lady",), "susan") + 2.0
    readable = set(text_sentences("austen"))
    held = [s.normalized for s in austen() if s.held_out]
    assert len(held) >= 100 and not readable & set(held)  # the domain's test sentences are never read


def test_present_day_english_trigram_turns_biblical_homophones_into_everyday_words() -> None:
    front_end = TextFrontEnd()
    script = transcript("it is supposed to rain all weekend", front_end)
    text_only, mixed = build_p2g(300, 0.8), build_p2g(300, 0.8, (), 0.8)
    assert mixed.decode(script.prons)[0] == list(script.words)
    assert text_only.decode(script.prons)[0] != list(script.words)  # the King James text prefers "reign"
    # a word the trigram does not know keeps the text model's probability, scaled by 1 - weight
    assert mixed.lm.english.logprob(("the",), "qwzxv") == -math.inf
    assert mixed.lm.logprob(("the",), "qwzxv") == pytest.approx(math.log(0.2) + text_only.lm.logprob(("the",), "qwzxv"))


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_english_lm_weight_out_of_range_is_a_config_error(value: str) -> None:
    from regen.core.errors import ConfigError
    from regen.core.run_config import load_run_config

    with pytest.raises(ConfigError, match="english_lm must be in"):
        load_run_config("speech/asr-tiny", [f"sample.english_lm={value}"])
