"""The published "Bach or Mock?" grade, checked against the authors' own test vectors."""

import json
from pathlib import Path

import numpy as np
import pytest

from regen.core.errors import RegenError
from regen.music.bach_or_mock import (FEATURES, categorical_distance, grade_file, grade_grid, length_distance,
                                      load_reference)
from regen.music.bach_or_mock_features import voice_repeats

REFERENCE = Path(__file__).resolve().parent / "data" / "bach_or_mock"  # the published test vectors (README there)
CASES = REFERENCE / "cases"
EXPECTED = json.loads((REFERENCE / "expected.json").read_text())
CASE_NAMES = sorted(EXPECTED["cases"]) if EXPECTED else []


@pytest.fixture(scope="module")
def graded():
    """Every case graded once (a case takes about a second)."""
    cache: dict = {}

    def grade(name: str) -> dict:
        if name not in cache:
            cache[name] = grade_file(CASES / name)
        return cache[name]

    return grade


def test_reference_is_the_published_one():
    ref = load_reference()
    assert ref.parallel_error_note_ratio == pytest.approx(0.0016032612072929742)
    assert ref.voice_ranges == ((57, 81), (53, 74), (48, 69), (36, 64))
    for feature in FEATURES:
        for mode in ("major", "minor"):
            assert sum(ref.distribution(feature, mode).values()) == pytest.approx(1.0), (feature, mode)


def test_categorical_distance_ranks_categories_by_bach_frequency():
    bach = {"a": 0.5, "b": 0.3, "c": 0.2}
    assert categorical_distance({"a": 5, "b": 3, "c": 2}, bach) == 0.0
    assert categorical_distance({"a": 3, "b": 3, "c": 4}, bach) == pytest.approx(0.4)  # two ranks
    assert categorical_distance({"a": 5, "b": 3, "z": 2}, bach) == pytest.approx(0.2)  # past the last rank
    # equally frequent categories keep the reference's order
    assert categorical_distance({"y": 1}, {"x": 0.5, "y": 0.5}) == pytest.approx(0.5)
    assert categorical_distance({}, bach) == float("inf")


def test_length_distance_puts_no_repeats_at_zero():
    assert length_distance({}, {"4.0": 1.0}) == pytest.approx(4.0)
    assert length_distance({4: 2}, {"4.0": 1.0}) == 0.0


def test_voice_repeats_counts_occurrences():
    motif = "A\0B\0C\0"  # three notes of an eighth each, encoded one character per 16th
    repeats = voice_repeats(motif * 3 + "D\0")
    # the motif occurs 3 times, twice over it occurs twice; its parts, counted as often, drop out
    assert repeats == {motif: 3, motif * 2: 2}
    assert voice_repeats("ABCDE") == {}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_reproduces_published_grade(name, graded):
    expected = EXPECTED["cases"][name]
    got = graded(name)
    assert list(EXPECTED["features"]) == list(FEATURES)
    for feature, value in zip(FEATURES, expected["features"]):
        assert got[feature] == pytest.approx(value, abs=1e-3), feature
    assert got["grade"] == pytest.approx(expected["grade"], abs=1e-3)


def test_random_grades_worse_than_moved_alto_worse_than_bach(graded):
    bach = graded("bach-whole-bwv269.musicxml")["grade"]
    assert graded("random-notes.musicxml")["grade"] > graded("parallel-fifths.musicxml")["grade"] > bach


@pytest.mark.parametrize("name", [n for n in CASE_NAMES if n.startswith("model-sample")])
def test_grid_grades_as_regen_writes_it(name, tmp_path):
    """A grid grades as the MusicXML file regen writes for it; spelled in its key, a model sample grades
    better than the file an older regen wrote with one fixed spelling per black key (the published case)."""
    from regen.music.scores import read_score, write_musicxml

    grid = read_score(CASES / name).grid
    graded = grade_grid(grid)["grade"]
    assert grade_file(write_musicxml(grid, tmp_path / "again.musicxml"))["grade"] == pytest.approx(graded, abs=1e-9)
    assert graded < EXPECTED["cases"][name]["grade"]


def test_bad_input_is_a_one_line_error(tmp_path):
    bogus = tmp_path / "notes.musicxml"
    bogus.write_text("this is not a score")
    for path in (bogus, tmp_path / "missing.mid"):
        with pytest.raises(RegenError) as info:
            grade_file(path)
        assert "\n" not in str(info.value)
    with pytest.raises(RegenError):
        grade_grid(np.zeros((3, 16), dtype=np.int64))
