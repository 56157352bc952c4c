"""The project's grade is the published "Bach or Mock?" grade everywhere: the CLI prints the
published grade of a published test vector, real Bach grades far better than broken Bach, and
each feature answers to its own defect. (The test vectors themselves: test_bach_or_mock.py.)"""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from regen.core.errors import RegenError
from regen.music.grading import FEATURES, grade_grid, grade_grids, grade_source
from regen.music.grid import REST

PUBLISHED = Path(__file__).resolve().parent / "data" / "bach_or_mock"
EXPECTED = json.loads((PUBLISHED / "expected.json").read_text())


def test_cli_grade_prints_the_published_grade():
    from regen.cli.music import app

    names = ["bach-whole-bwv269.musicxml", "model-sample-0.musicxml"]
    out = CliRunner().invoke(app, ["grade", "--features", *(str(PUBLISHED / "cases" / n) for n in names)])
    assert out.exit_code == 0, out.output
    lines = out.stdout.strip().splitlines()
    for name, line in zip(names, lines):
        path, grade, detail = line.split("\t")[0], float(line.split("\t")[1].split()[0]), line.split()[2:]
        expected = EXPECTED["cases"][name]
        assert path.endswith(name) and grade == pytest.approx(expected["grade"], abs=0.006)
        shown = dict(item.split("=") for item in detail)
        assert list(shown) == list(FEATURES)
        assert [float(v) for v in shown.values()] == pytest.approx(expected["features"], abs=0.006)
    median = np.median([EXPECTED["cases"][n]["grade"] for n in names])
    assert lines[-1].startswith("median\t") and float(lines[-1].split("\t")[1]) == pytest.approx(median, abs=0.006)


def test_a_corpus_name_grades_as_music21_parses_it():
    from music21 import corpus

    from regen.music.bach_or_mock import grade_score

    graded = grade_source("bach/bwv66.6")
    assert graded == grade_score(corpus.parse("bach/bwv66.6"))
    assert 2.0 < graded["grade"] < 10.0  # a whole Bach chorale: the paper's Bach median is 4.91


def test_unreadable_sources_are_one_line_errors(tmp_path):
    for source in ("bach/no-such-chorale", str(tmp_path), str(tmp_path / "missing.musicxml")):
        with pytest.raises(RegenError) as info:
            grade_source(source)
        assert "\n" not in str(info.value)


@pytest.fixture(scope="module")
def windows(corpus):
    """Eight Bach test windows (4, 128), spread over the test split, and their grades."""
    test = corpus.windows("test", hop=64)
    picked = [test[i] for i in np.linspace(0, len(test) - 1, 8).round().astype(int)]
    return picked, grade_grids(picked, enabled=False)


def test_real_windows_grade_far_better_than_shuffled_or_random(windows):
    grids, graded = windows
    rng = np.random.default_rng(0)
    real = [g["grade"] for g in graded]
    shuffled = [grade_grid(w[:, rng.permutation(w.shape[1])])["grade"] for w in grids]
    random = [grade_grid(rng.integers(1, 58, size=w.shape))["grade"] for w in grids[:4]]
    assert np.median(real) * 2 < np.median(shuffled)
    assert np.median(real) * 2 < np.median(random)
    assert np.mean(np.array(real) < np.array(shuffled)) > 0.85


def _with_parallel_fifths(window: np.ndarray) -> np.ndarray:
    """Tenor a fifth below the soprano on every beat, so they move in parallel fifths."""
    out = window.copy()
    sounding = out[0] != REST
    out[2] = np.where(sounding, out[0] - 7, REST)
    return out


def test_each_feature_answers_to_its_own_defect(windows):
    grids, base = windows[0][:6], windows[1][:6]

    def median(graded: list[dict[str, float]], feature: str) -> float:
        return float(np.median([g[feature] for g in graded]))

    fifths = grade_grids([_with_parallel_fifths(w) for w in grids], enabled=False)
    assert median(fifths, "parallel_error") > median(base, "parallel_error") + 1
    # a bass that leaps a tritone at every change breaks the bass intervals; the upper voices' move
    # only where the new bass changes the analysed mode (they then meet the other mode's Bach)
    leaps = []
    for w in grids:
        out = w.copy()
        out[3] = np.where(np.arange(w.shape[1]) // 4 % 2 == 0, 20, 26)
        leaps.append(out)
    leaps = grade_grids(leaps, enabled=False)
    assert median(leaps, "B_directed_interval") > 5 * median(base, "B_directed_interval")
    for voice in "SAT":
        feature = f"{voice}_directed_interval"
        moved = [abs(after[feature] - before[feature]) for after, before in zip(leaps, base)]
        assert np.median(moved) == 0.0, feature
    # sixteenth-note trills everywhere break the rhythm
    trills = []
    for w in grids:
        out = w.copy()
        out[1] = np.where(np.arange(w.shape[1]) % 2 == 0, out[1], np.maximum(out[1] - 1, 1))
        trills.append(out)
    assert median(grade_grids(trills, enabled=False), "rhythm") > 2 * median(base, "rhythm")


def test_a_silent_chorale_or_voice_grades_infinitely_far(windows):
    assert grade_grid(np.full((4, 128), REST))["grade"] == float("inf")
    mute_alto = windows[0][0].copy()
    mute_alto[1] = REST
    graded = grade_grid(mute_alto)
    assert graded["A_directed_interval"] == graded["grade"] == float("inf")


def test_every_feature_is_reported(windows):
    g = windows[1][0]
    assert list(g) == ["grade", *FEATURES]
    assert abs(sum(g[f] for f in FEATURES) - g["grade"]) < 1e-9


def test_grading_many_grids_shows_a_bar(windows, capsys, monkeypatch):
    monkeypatch.setenv("REGEN_PROGRESS", "1")
    assert grade_grids(windows[0][:2], desc="grade", unit="candidate") == windows[1][:2]
    err = capsys.readouterr().err
    assert "grade" in err and "2/2" in err and "candidate" in err, err
