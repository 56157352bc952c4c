"""Oracle durations from word timings: every symbol gets a frame, they sum to the frames, and each
word's symbols sit inside its timed interval."""

from __future__ import annotations

import numpy as np
import pytest

from regen.core.errors import RegenError
from regen.speech.align.timings import durations_from_word_times, strict_boundaries


def test_words_share_their_intervals_and_gaps_go_to_the_separators() -> None:
    # symbols: edge, w0 (3 symbols), space, w1 (2 symbols), edge -> 8 symbols; 0.01 s frames, 100 frames
    durations = durations_from_word_times([(1, 4), (5, 7)], [(0.10, 0.40), (0.50, 0.90)], 8, 100, 0.01)
    assert durations.tolist() == [10, 10, 10, 10, 10, 20, 20, 10]
    assert durations.sum() == 100 and durations.min() >= 1


def test_crowded_boundaries_still_leave_a_frame_each() -> None:
    durations = durations_from_word_times([(1, 5)], [(0.0, 0.01)], 6, 10, 0.01)
    assert durations.sum() == 10 and durations.min() >= 1
    assert strict_boundaries(np.array([0, 0, 0, 9, 9]), 9).tolist() == [0, 1, 2, 8, 9]


def test_too_few_frames_is_refused() -> None:
    with pytest.raises(RegenError, match="cannot share"):
        strict_boundaries(np.array([0, 1, 2, 3]), 2)
