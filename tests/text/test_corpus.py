"""The prepared King James text corpus: disjoint splits, the vocabulary restriction, padding."""

from __future__ import annotations

import torch

from regen.text.corpus import load_corpus


def test_splits_are_disjoint_and_the_speech_test_sentences_are_held_out() -> None:
    corpus = load_corpus()
    train, valid, test = (set(corpus.texts[s]) for s in ("train", "valid", "test"))
    assert len(train) > 15000 and 200 < len(valid) < 500 and 200 < len(test) < 500
    assert not (train & valid or train & test or valid & test)
    from regen.speech.data.sentences import sentences

    held = {s.text for s in sentences() if s.held_out}
    assert test <= held and not train & held


def test_every_kept_sentence_is_in_vocabulary_and_padded() -> None:
    corpus = load_corpus()
    vocab = corpus.vocabulary
    assert len(vocab) == 5700 and sum(corpus.dropped.values()) > 0
    rows = corpus.tensor("test")
    assert rows.shape == (len(corpus.texts["test"]), 52) and rows.dtype == torch.long
    assert bool((rows[:, -1] == vocab.pad).all())  # at most 51 tokens: every row ends padded
    assert not bool((rows == vocab.unk).any())
    for text, row in zip(corpus.texts["test"][:20], rows):
        assert vocab.decode(row.tolist()) == text



def test_character_windows_are_the_text8_shape() -> None:
    corpus = load_corpus(29, 64, "char")
    vocab = corpus.vocabulary
    assert vocab.level == "char" and len(vocab) == 29 and set(vocab.words[2:]) == set(" abcdefghijklmnopqrstuvwxyz")
    rows = corpus.tensor("valid")
    assert rows.shape == (len(corpus.texts["valid"]), 64) and not bool((rows < 2).any())  # no pads, no unknowns
    assert all(len(w) == 64 and set(w) <= set(" abcdefghijklmnopqrstuvwxyz") for w in corpus.texts["test"])
    assert vocab.decode(rows[0].tolist()) == corpus.texts["valid"][0]
    assert not set(corpus.texts["train"]) & set(corpus.texts["test"])
