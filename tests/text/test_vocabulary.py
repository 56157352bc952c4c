"""Word-level vocabulary: tokens, round trip through ids and through the code-point tensor."""

from __future__ import annotations

import pytest

from regen.text.vocabulary import PAD, UNK, Vocabulary

TEXTS = ["And God said, Let there be light: and there was light.", "Herod's servants said (yea) no!",
         "And the light was good."]


def test_tokens_are_words_and_single_punctuation_marks() -> None:
    vocab = Vocabulary.train(TEXTS, 100)
    assert vocab.tokens("Herod's dog (yea) said: no!") == ["Herod's", "dog", "(", "yea", ")", "said", ":", "no", "!"]
    assert vocab.words[:2] == [PAD, UNK] and vocab.words[2] in {"light", "And", "and", ".", ","}


def test_round_trip_and_unknown_words() -> None:
    vocab = Vocabulary.train(TEXTS, 100)
    for text in TEXTS:
        assert vocab.decode(vocab.encode(text)) == text
        assert not vocab.unknown(text)
    ids = vocab.encode("And God said hello")
    assert ids[-1] == vocab.unk and vocab.unknown("And God said hello") == ["hello"]
    assert vocab.decode([*vocab.encode("there was light."), vocab.pad, vocab.pad]) == "there was light."
    # the first [PAD] ends the sentence: what a sampler left after it is not part of it
    assert vocab.decode([*vocab.encode("And God"), vocab.pad, *vocab.encode("said")]) == "And God"


def test_the_most_frequent_tokens_are_kept() -> None:
    vocab = Vocabulary.train(TEXTS, 6)  # the specials and 4 of the most frequent tokens
    assert len(vocab) == 6 and vocab.words[2] == "light"  # 3 times, more than any other
    assert "Herod's" not in vocab.ids and "good" not in vocab.ids  # once each


def test_codes_tensor_round_trip() -> None:
    vocab = Vocabulary.train(TEXTS, 100)
    codes = vocab.to_codes(64)
    assert codes.shape == (64, 32) and int(codes[len(vocab):].abs().sum()) == 0
    assert Vocabulary.from_codes(codes).words == vocab.words
    with pytest.raises(ValueError, match="do not fit"):
        vocab.to_codes(3)
