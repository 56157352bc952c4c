"""BLEU against the test set and Self-BLEU (sacrebleu): real text scores high, shuffled words low;
both BLEUs are sacrebleu's own corpus and sentence scores."""

from __future__ import annotations

import random

import pytest
import sacrebleu
from sacrebleu.metrics import BLEU

from regen.text.corpus import load_corpus
from regen.text.metrics import bleu_against, bleu_paired, self_bleu


@pytest.fixture(scope="module")
def token_texts() -> dict[str, list[str]]:
    corpus = load_corpus()
    return {s: [" ".join(corpus.vocabulary.tokens(t)) for t in corpus.texts[s]] for s in ("valid", "test")}


def test_bleu_of_the_test_set_against_itself_is_perfect_and_shuffled_words_score_low(token_texts) -> None:
    test = token_texts["test"]
    assert bleu_against(test[:50], test) == pytest.approx((100.0, 100.0))
    real = bleu_against(token_texts["valid"][:100], test)
    rng = random.Random(0)
    shuffled = bleu_against([" ".join(rng.sample(s.split(), len(s.split()))) for s in token_texts["valid"][:100]],
                            test)
    assert real.corpus > 10 and shuffled.corpus < real.corpus / 3
    assert real.sentence_mean > 10 and shuffled.sentence_mean < real.sentence_mean / 2


def test_shared_references_give_sacrebleus_own_corpus_and_sentence_scores(token_texts) -> None:
    hypotheses, references = token_texts["valid"][:40] + [""], token_texts["test"][:30]  # an empty sample too
    corpus = BLEU(tokenize="none", force=True).corpus_score(hypotheses, [[r] * len(hypotheses) for r in references])
    sentences = [sacrebleu.sentence_bleu(h, references, tokenize="none").score for h in hypotheses]
    got = bleu_against(hypotheses, references)
    assert got.corpus == pytest.approx(corpus.score, abs=1e-9)
    assert got.sentence_mean == pytest.approx(sum(sentences) / len(sentences), abs=1e-9)
    assert abs(got.corpus - got.sentence_mean) > 1  # two different figures


def test_paired_bleu_scores_each_output_against_its_own_reference(token_texts) -> None:
    hypotheses, references = token_texts["valid"][:30], token_texts["test"][:30]
    got = bleu_paired(hypotheses, references)
    corpus = BLEU(tokenize="none", force=True).corpus_score(hypotheses, [references])
    sentences = [sacrebleu.sentence_bleu(h, [r], tokenize="none").score for h, r in zip(hypotheses, references)]
    assert got.corpus == pytest.approx(corpus.score, abs=1e-9)
    assert got.sentence_mean == pytest.approx(sum(sentences) / len(sentences), abs=1e-9)
    # one output its reference (100), one empty (0): the sentence mean is their mean
    assert bleu_paired(["a b c d e", ""], ["a b c d e", "f g h"]).sentence_mean == pytest.approx(50.0)
    with pytest.raises(ValueError, match="one reference per hypothesis"):
        bleu_paired(hypotheses, references[:-1])


def test_self_bleu_is_high_for_repeats_and_lower_for_varied_text(token_texts) -> None:
    varied = token_texts["valid"][:60]
    assert self_bleu([varied[0]] * 20, 20) == pytest.approx(100.0)
    assert self_bleu(varied, 60) < 40
    with pytest.raises(ValueError, match="two sentences"):
        self_bleu(varied, 1)


def test_self_bleu_scores_exactly_the_first_count_sentences(token_texts) -> None:
    varied = token_texts["valid"][:40]
    assert self_bleu(varied + [varied[0]] * 30, 40) == self_bleu(varied, 40)  # the repeats past 40 are not read
    assert self_bleu(varied, 20) != self_bleu(varied, 40)
    with pytest.raises(ValueError, match="41 sentences asked for, 40 given"):
        self_bleu(varied, 41)
