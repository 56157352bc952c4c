import numpy as np
import pytest

from regen.core.errors import RegenError
from regen.speech.text.mixing import TextFrontEnd, collate
from regen.speech.text.symbols import CHARS, PHONES


@pytest.fixture(scope="module")
def front() -> TextFrontEnd:
    return TextFrontEnd()


def test_vocabularies() -> None:
    assert CHARS.symbols[0] == PHONES.symbols[0] == "<pad>"
    assert len(PHONES) == 1 + 15 * 3 + 24 and "AH0" in PHONES and "AH" not in PHONES
    assert CHARS.decode(CHARS.ids("hi, you")) == list("hi, you")


def test_modes(front: TextFrontEnd) -> None:
    chars = front.encode("The cat sat.", mode="chars")
    assert chars.text() == "the cat sat." and chars.mask.sum() == 0
    phones = front.encode("The cat sat.", mode="phones")
    assert phones.text() == "@DH@AH0 @K@AE1@T @S@AE1@T."
    choice = front.encode("The cat sat.", mode="choice", use_phones=[False, True, False])
    assert choice.text() == "the @K@AE1@T sat."


def test_mixing_keeps_words_aligned_with_mask(front: TextFrontEnd) -> None:
    text = "Twenty-one birds flew over 3 houses, quickly!"
    words = front.tokens(text)
    rng = np.random.default_rng(0)
    fractions = []
    for _ in range(50):
        seq = front.encode(text, mode="mixed", p=0.5, rng=rng)
        assert len(seq.char_ids) == len(seq.phone_ids) == len(seq.mask) == len(seq.word_index)
        assert np.all((seq.mask == 1) == (seq.phone_ids > 0)) and np.all((seq.mask == 0) == (seq.char_ids > 0))
        n_words = 0
        for w, token in enumerate(t for t in words if t.is_word):
            positions = np.flatnonzero(seq.word_index == w)
            assert np.all(np.diff(positions) == 1), "a word must be contiguous"
            m = seq.mask[positions]
            assert m.min() == m.max(), "a whole word is either characters or phones"
            symbols = PHONES.decode(seq.phone_ids[positions]) if m[0] else CHARS.decode(seq.char_ids[positions])
            assert symbols == (list(token.phones) if m[0] else list(token.text))
            n_words += 1
        assert np.all(seq.mask[seq.word_index == -1] == 0), "separators are always characters"
        fractions.append(np.mean([seq.mask[seq.word_index == w][0] for w in range(n_words)]))
    assert 0.3 < np.mean(fractions) < 0.7


def test_override_forces_phones_even_in_char_mode(front: TextFrontEnd) -> None:
    seq = front.encode("say {HH AH0 L OW1} now", mode="chars")
    assert seq.text() == "say @HH@AH0@L@OW1 now"
    with pytest.raises(RegenError, match="ARPAbet"):
        front.encode("say {HH AH L OW1}")


def test_choice_needs_one_flag_per_word(front: TextFrontEnd) -> None:
    with pytest.raises(RegenError, match="3 words"):
        front.encode("the cat sat", mode="choice", use_phones=[True])
    with pytest.raises(RegenError, match="unknown text mode"):
        front.encode("the cat", mode="bytes")


def test_collate_pads(front: TextFrontEnd) -> None:
    batch = collate([front.encode("a cat", mode="chars"), front.encode("the big dog", mode="phones")])
    assert batch["char_ids"].shape == batch["mask"].shape == (2, int(batch["lengths"].max()))
    assert batch["word_index"][0, -1] == -1 and batch["char_ids"][0, -1] == 0
