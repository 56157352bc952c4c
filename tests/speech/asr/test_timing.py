"""Word times from CTC forced alignment: the path is the most probable one that emits the units."""

import numpy as np
import pytest
import torch

from regen.speech.asr.timing import TAIL_FRAMES, ctc_align, word_times


def posteriors(path: list[int], units: int = 5, sure: float = 0.9) -> torch.Tensor:
    """Log-probabilities (frames, units) peaked on `path`, one unit per frame."""
    p = np.full((len(path), units), (1 - sure) / (units - 1))
    p[np.arange(len(path)), path] = sure
    return torch.tensor(np.log(p), dtype=torch.float32)


def test_align_follows_the_peaks():
    lp = posteriors([0, 2, 2, 0, 0, 3, 0, 4, 4, 4, 0])
    assert ctc_align(lp, [2, 3, 4]) == [(1, 2), (5, 5), (7, 9)]


def test_a_repeated_unit_needs_a_blank_between():
    lp = posteriors([0, 2, 2, 2, 0])  # the peaks say one long 2, but two 2s are asked for
    spans = ctc_align(lp, [2, 2])
    assert spans[0][1] < spans[1][0] - 1  # a blank frame separates them
    with pytest.raises(ValueError, match="cannot emit"):
        ctc_align(posteriors([2, 0]), [2, 2, 2])


def test_word_times_group_units_and_join_two_phone_words():
    # units: 1 = '|', 2..4 phones; phone words (2) (3) (4 4) -> written words 'a' (one) 'bc' (two)
    ids = [2, 1, 3, 1, 4]
    symbols = ["x", "|", "y", "|", "z"]
    lp = posteriors([2, 0, 1, 0, 3, 3, 0, 1, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0])
    times = word_times(lp, ids, symbols, ["a", "bc"], [1, 2], 0.1, "|")
    assert [t.word for t in times] == ["a", "bc"]
    assert times[0].start == 0.0 and times[1].start == pytest.approx(0.4)
    assert times[1].end == pytest.approx((9 + 1 + TAIL_FRAMES) * 0.1)
    assert word_times(lp, ids, symbols, ["a"], [1, 2], 0.1, "|") == []  # words and spans disagree
