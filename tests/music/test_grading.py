"""The published "Bach or Mock?" grade: known cases, and each feature answers to its own defect."""

from collections import Counter

import numpy as np
import pytest

from regen.music.grading import (FEATURES, grade, grade_score, published_distance, reference, repeated_sequences,
                                 summarize)
from regen.music.grid import REST


def test_published_distance_ranks_categories_by_bach_frequency():
    bach = {"a": 0.5, "b": 0.3, "c": 0.2}
    assert published_distance(dict(bach), bach) == 0.0
    # mass moved from Bach's most common category to its rarest travels two ranks
    assert published_distance({"a": 0.3, "b": 0.3, "c": 0.4}, bach) == pytest.approx(0.4)
    # a category Bach never uses sits past the last rank, where Bach has no mass
    assert published_distance({"a": 0.5, "b": 0.3, "z": 0.2}, bach) == pytest.approx(0.2)
    assert published_distance({}, bach) == 0.0


def test_repeated_sequences_counts_recurrences_by_length():
    motif = ["C4", "__", "D4", "__", "E4", "__"]
    hist = repeated_sequences(motif * 3 + ["G4", "__"])
    assert hist[len(motif) * 2] == 2  # the motif twice over recurs twice (positions 0 and 6)
    assert repeated_sequences(["C4", "D4", "E4", "F4", "G4"]) == Counter()


@pytest.fixture(scope="module")
def windows(corpus):
    return list(corpus.windows("test")[:24])


def test_real_windows_grade_far_better_than_shuffled_or_random(windows, ref):
    rng = np.random.default_rng(0)
    real = [grade(w, ref)["grade"] for w in windows]
    shuffled = [grade(w[:, rng.permutation(w.shape[1])], ref)["grade"] for w in windows]
    random = [grade(rng.integers(1, 58, size=w.shape), ref)["grade"] for w in windows[:8]]
    assert np.median(real) * 2 < np.median(shuffled)
    assert np.median(real) * 2 < np.median(random)
    assert np.mean(np.array(real) < np.array(shuffled)) > 0.9


def test_whole_chorales_grade_near_the_published_bach_figure(corpus):
    """The paper reports a median of 4.91 for Bach chorales against Bach's own distributions."""
    from music21 import corpus as m21corpus

    ref = reference("scores")
    grades = [grade_score(m21corpus.parse(corpus.names[int(i)]), ref)["grade"] for i in corpus.split["test"][:15]]
    assert 3.0 < np.median(grades) < 7.5


def _with_parallel_fifths(window: np.ndarray) -> np.ndarray:
    """Tenor a fifth below the soprano on every beat, so they move in parallel fifths."""
    out = window.copy()
    sounding = out[0] != REST
    out[2] = np.where(sounding, out[0] - 7, REST)
    return out


def test_each_feature_answers_to_its_own_defect(windows, ref):
    base = [grade(w, ref) for w in windows[:8]]
    fifths = [grade(_with_parallel_fifths(w), ref) for w in windows[:8]]
    assert np.median([g["parallel_error"] for g in fifths]) > np.median([g["parallel_error"] for g in base]) + 1
    # a bass that leaps a tritone at every change breaks the bass intervals, not the soprano's
    leaps = []
    for w in windows[:8]:
        out = w.copy()
        out[3] = np.where(np.arange(w.shape[1]) // 4 % 2 == 0, 20, 26)
        leaps.append(grade(out, ref))
    assert np.median([g["B_interval"] for g in leaps]) > 2 * np.median([g["B_interval"] for g in base])
    assert np.median([g["S_interval"] for g in leaps]) == pytest.approx(np.median([g["S_interval"] for g in base]))
    # sixteenth-note trills everywhere break the rhythm
    trills = []
    for w in windows[:8]:
        out = w.copy()
        out[1] = np.where(np.arange(w.shape[1]) % 2 == 0, out[1], np.maximum(out[1] - 1, 1))
        trills.append(grade(out, ref))
    assert np.median([g["rhythm"] for g in trills]) > 2 * np.median([g["rhythm"] for g in base])


def test_a_silent_chorale_grades_infinitely_far(ref):
    assert grade(np.full((4, 128), REST), ref)["grade"] == float("inf")


def test_every_feature_is_reported(windows, ref):
    g = grade(windows[0], ref)
    assert set(FEATURES) | {"grade"} == set(g)
    assert abs(sum(g[f] for f in FEATURES) - g["grade"]) < 1e-9
    assert summarize([g, g])["grade"] == (g["grade"], 0.0)
