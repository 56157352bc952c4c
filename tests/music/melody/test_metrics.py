"""The evaluation metrics on known cases."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from regen.music.melody.evaluation import (alignment, cadence_accuracy, dtw, grader_distance, in_key,
                                           melody_distance, melody_metrics, one_voice_reference, overlap,
                                           pitch_line, stress_on_strong, strong_beat)
from regen.music.melody.melodies import Melody
from regen.music.melody.segments import MAX_REST, TICKS, Segment, melody_segments
from regen.music.melody.syllables import lyric_syllables


def sung(hand_melody: Melody) -> list[Segment]:
    return melody_segments(hand_melody, 32, syllabic=True)[0]


def test_identical_melodies_are_perfectly_close(hand_melody: Melody) -> None:
    segments = sung(hand_melody)
    m = melody_metrics(segments, segments, one_voice_reference(segments))
    assert m["pd"] == m["dd"] == m["alignment"] == 1.0
    assert m["md"] == 0.0 and m["note_distance"] == pytest.approx(0.0, abs=1e-12)
    assert m["interval_distance"] == pytest.approx(0.0, abs=1e-12)  # the grader renormalises: rounding only
    assert m["in_key"] == 1.0  # every note of the hand-made melody is in G major


def test_distances_on_known_cases(hand_melody: Melody) -> None:
    first = sung(hand_melody)[0]
    up = replace(first, pitches=tuple(p + 2 for p in first.pitches))  # transposed: same contour
    assert math.isclose(melody_distance(up, first), 0.0, abs_tol=1e-9) and overlap(Counter(up.relative_pitches()),
                                                         Counter(first.relative_pitches())) < 1
    assert dtw(np.array([0.0, 1, 2]), np.array([0.0, 0, 1, 2])) == 0.0  # a repeat costs nothing
    assert dtw(np.array([0.0, 1]), np.array([0.0, 3])) == 2.0
    assert overlap(Counter({1: 1, 2: 1}), Counter({2: 2})) == 0.5
    assert overlap(Counter(), Counter({2: 2})) == 0.0
    # the pitch line samples every 16th and holds a pitch through the rest after it
    line = pitch_line(Segment(0, "major", "4/4", 0, (0, 6), (3, 3), (60, 62), (False, True)))
    assert line.tolist() == [0, 0, 0, 2]
    late = replace(first, start=(first.start + 12) % 36)
    assert alignment(late, first) == 0.0 and alignment(first, first) == 1.0


def brute_force_dtw(a: np.ndarray, b: np.ndarray) -> float:
    """The least sum of |a_i - b_j| over every warping path from (0, 0) to the end, each path listed."""
    def paths(i: int, j: int):  # every path from (0, 0) that ends at (i, j)
        if i == j == 0:
            yield [(0, 0)]
            return
        for di, dj in ((1, 1), (1, 0), (0, 1)):
            if i >= di and j >= dj:
                yield from (path + [(i, j)] for path in paths(i - di, j - dj))

    return min(sum(abs(a[i] - b[j]) for i, j in path) for path in paths(len(a) - 1, len(b) - 1))


def test_dtw_is_the_least_warping_path_cost_on_random_sequences() -> None:
    rng = np.random.default_rng(0)
    for _ in range(40):
        a, b = rng.normal(0, 5, rng.integers(1, 7)), rng.normal(0, 5, rng.integers(1, 7))
        assert dtw(a, b) == pytest.approx(brute_force_dtw(a, b), rel=1e-12, abs=1e-12)


def test_melody_distance_is_the_dtw_of_centred_lines_over_the_generated_length() -> None:
    rng = np.random.default_rng(1)

    def segment(notes: int) -> Segment:  # one 16th per note: the pitch line is the pitches
        return Segment(0, "major", "4/4", 0, (0,) * notes, (3,) * notes, tuple(rng.integers(55, 80, notes).tolist()),
                       (False,) * (notes - 1) + (True,))

    for _ in range(10):
        generated, real = segment(int(rng.integers(2, 7))), segment(int(rng.integers(2, 7)))
        a, b = pitch_line(generated), pitch_line(real)
        assert len(a) == len(generated)
        assert melody_distance(generated, real) == pytest.approx(brute_force_dtw(a - a.mean(), b - b.mean()) / len(a),
                                                                 rel=1e-12, abs=1e-12)


def test_grader_distance_ranks_real_categories_by_frequency_then_name() -> None:
    real = {"b": 0.4, "a": 0.4, "c": 0.2}  # a and b tie: a takes rank 0 whatever the dict order
    assert grader_distance(dict(real), real) == 0.0
    assert grader_distance({"a": 1.0}, real) == pytest.approx(0.4 + 0.2 * 2)  # b one rank away, c two
    assert grader_distance({"b": 1.0}, real) == pytest.approx(0.4 + 0.2)
    assert grader_distance({"a": 0.4, "b": 0.4, "z": 0.2}, real) == pytest.approx(0.2)  # z: past the last rank
    assert grader_distance({}, real) == grader_distance({"a": 1.0}, {}) == 0.0


def test_lyric_fit_metrics() -> None:
    syllables = tuple(lyric_syllables("Amazing grace, how sweet.", "en"))  # a-MA-zing grace, how sweet.
    count = len(syllables)
    on_beat = Segment(0, "major", "3/4", 24, (0,) * count, (12, 24, 12, 36, 12, 36), (67, 71, 69, 67, 64, 60),
                      (False,) * count, syllables)
    assert on_beat.positions()[1] == 0 and stress_on_strong(on_beat) == 1.0  # MA on the downbeat
    off_beat = replace(on_beat, start=6)
    assert off_beat.positions()[1] == 18 and stress_on_strong(off_beat) == 0.0
    second_beat = replace(on_beat, start=36)  # MA on beat 2 of 3/4: a beat, but a weak one
    assert second_beat.positions()[1] == 12 and stress_on_strong(second_beat) == 0.0
    assert strong_beat("4/4", 24) and not strong_beat("4/4", 12) and not strong_beat("2/4", 12)
    # lyric phrase ends: "grace," (a long note closing its bar); "sweet." is the segment's last note, which
    # the rules close whatever is sung, so it is not counted
    assert cadence_accuracy(on_beat) == 1.0
    assert cadence_accuracy(replace(on_beat, pitches=on_beat.pitches[:-1] + (62,))) == 1.0
    assert cadence_accuracy(replace(on_beat, durations=(12, 24, 12, 12, 12, 36))) == 0.0  # "grace," passes by
    assert in_key(on_beat) == 1.0 and in_key(replace(on_beat, pitches=(61,) * count)) == 0.0
    minor = replace(on_beat, tonic=9, mode="minor", pitches=(68, 66, 69, 71, 72, 64))  # raised 7th and 6th
    assert in_key(minor) == 1.0


def test_a_long_rest_cuts_the_run_instead_of_moving_later_notes_in_the_bar(hand_melody: Melody) -> None:
    # read note by note (no lyric cuts), 12 quarters of rest in 3/4 before the last phrase (more than
    # MAX_REST): the capped rest would put its first note on beat 2 instead of beat 3, so the notes after
    # it start a segment of their own, on beat 3
    late = [replace(n, onset=n.onset + 11, bar=int((n.onset + 13) // 3), bar_offset=(n.onset + 13) % 3)
            if n.onset >= 10 else n for n in hand_melody.notes]
    assert 12 * TICKS > MAX_REST and (12 * TICKS - MAX_REST) % (3 * TICKS)  # capping moves it in the bar
    segments = melody_segments(replace(hand_melody, notes=tuple(late)), 32, syllabic=False)[0]
    assert len(segments) == 2 and segments[0].start == 2 * TICKS and segments[1].start == 2 * TICKS
