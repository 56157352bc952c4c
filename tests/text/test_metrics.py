"""BLEU against the test set and Self-BLEU (sacrebleu): real text scores high, shuffled words low."""

from __future__ import annotations

import random

import pytest

from regen.text.corpus import load_corpus
from regen.text.metrics import bleu_against, self_bleu


@pytest.fixture(scope="module")
def token_texts() -> dict[str, list[str]]:
    corpus = load_corpus()
    return {s: [" ".join(corpus.vocabulary.tokens(t)) for t in corpus.texts[s]] for s in ("valid", "test")}


def test_bleu_of_the_test_set_against_itself_is_perfect_and_shuffled_words_score_low(token_texts) -> None:
    test = token_texts["test"]
    assert bleu_against(test[:50], test) == pytest.approx(100.0)
    real = bleu_against(token_texts["valid"][:100], test)
    rng = random.Random(0)
    shuffled = [" ".join(rng.sample(s.split(), len(s.split()))) for s in token_texts["valid"][:100]]
    assert real > 10 and bleu_against(shuffled, test) < real / 3


def test_self_bleu_is_high_for_repeats_and_lower_for_varied_text(token_texts) -> None:
    varied = token_texts["valid"][:60]
    assert self_bleu([varied[0]] * 20) == pytest.approx(100.0)
    assert self_bleu(varied) < 40
    with pytest.raises(ValueError, match="two sentences"):
        self_bleu(varied[:1])


def test_shared_references_give_sacrebleus_own_multi_reference_score(token_texts) -> None:
    from sacrebleu.metrics import BLEU

    hypotheses, references = token_texts["valid"][:40], token_texts["test"][:30]
    plain = BLEU(tokenize="none", force=True).corpus_score(hypotheses, [[r] * len(hypotheses) for r in references])
    assert bleu_against(hypotheses, references) == pytest.approx(plain.score, abs=1e-9)
