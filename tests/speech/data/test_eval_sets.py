import re
import shutil

import pytest

from regen.speech.data.eval_sets import everyday_sentences
from regen.speech.data.sentences import sentences
from regen.speech.text.g2p import cmu_dictionary
from regen.speech.text.mixing import TextFrontEnd
from regen.speech.text.normalize import normalize

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@pytest.fixture(scope="module")
def everyday() -> list[str]:
    return everyday_sentences()


def test_size_uniqueness_and_lengths(everyday: list[str]) -> None:
    assert len(everyday) >= 300
    assert not [s for s in everyday if s.startswith("#") or s != s.strip()]
    assert len({normalize(s) for s in everyday}) == len(everyday), "duplicate sentences"
    bad = [s for s in everyday if not 4 <= len(s.split()) <= 20]
    assert not bad, f"sentences outside 4-20 words: {bad[:3]}"
    assert all(s.isascii() for s in everyday)


def test_numbers_are_present_and_expanded(everyday: list[str]) -> None:
    with_digits = [s for s in everyday if re.search(r"\d", s)]
    assert len(with_digits) >= 20
    assert not [s for s in with_digits if re.search(r"\d", normalize(s))]
    assert normalize("The train leaves at 7 from platform 3.") == "the train leaves at seven from platform three."


def test_disjoint_from_king_james_corpus(everyday: list[str]) -> None:
    kjv = {s.normalized.lower() for s in sentences()}
    assert len(kjv) > 10_000
    overlap = [s for s in everyday if normalize(s, lowercase=True) in kjv]
    assert not overlap, f"evaluation sentences found in the training text: {overlap[:3]}"


def test_mostly_dictionary_vocabulary(everyday: list[str]) -> None:
    words = [w for s in everyday for w in re.findall(r"[a-z]+(?:'[a-z]+)*", normalize(s))]
    lexicon = cmu_dictionary()
    missing = sorted({w for w in words if w not in lexicon})
    assert sum(w in lexicon for w in words) / len(words) > 0.97, f"out-of-dictionary words: {missing}"


@needs_espeak
def test_every_sentence_has_a_phoneme_sequence(everyday: list[str]) -> None:
    front = TextFrontEnd()
    for text in everyday:
        tokens = front.tokens(text)
        words = [t for t in tokens if t.is_word]
        assert words and all(t.phones for t in words), text
        assert len(front.encode(text, mode="phones").phone_ids.nonzero()[0]) > 0, text
