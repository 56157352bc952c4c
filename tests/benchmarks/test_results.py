"""benchmarks/results.py: RESULTS.md's one current table per benchmark, and the kept-result cache the curve and
comparison tables share."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import results  # noqa: E402
from results import kept, record, split_sections, supersedes  # noqa: E402

INTRO = "# Benchmark results\n\nAn introduction.\n\n"


def section(title: str, stamp: str, body: str = "| a | 1 |") -> str:
    return f"## {title} — {stamp}\n\nCommand: `python benchmarks/x.py`\n\n{body}\n\n"


def test_a_new_table_goes_first_and_moves_its_benchmarks_former_one_to_the_archive() -> None:
    old_a, b = section("A", "2026-12-01 10:00", "| old |"), section("B", "2026-12-02 10:00")
    new_a = section("A", "2026-12-07 09:30", "| new |")
    text, archive = record(INTRO + b + old_a, "", new_a)
    intro, current = split_sections(text)
    assert intro == INTRO and current == [new_a, b]  # newest first, the other benchmark kept in place
    moved = "# Moved from RESULTS.md on 2026-12-07\n\n## A — 2026-12-01 10:00 (superseded 2026-12-07 09:30)\n"
    assert archive.startswith(results.ARCHIVE_INTRO + moved) and "| old |" in archive
    text, archive2 = record(text, archive, section("C", "2026-12-07 10:00"))  # a new benchmark: nothing moves
    assert archive2 == archive and [s[:4] for s in split_sections(text)[1]] == ["## C", "## A", "## B"]
    again, archive3 = record(text, archive, section("A", "2026-12-07 11:00", "| newer |"))
    assert archive3.startswith(archive) and "## A — 2026-12-07 09:30 (superseded 2026-12-07 11:00)" in archive3
    assert archive3.count("# Moved from RESULTS.md on") == 1  # the same day: under the same heading
    assert again.count("## A —") == 1 and "| newer |" in again


def test_a_complete_table_replaces_its_partial_ones_but_not_the_other_way_round() -> None:
    assert supersedes("Images: digits", "Images: digits (partial: direct)")
    assert supersedes("Images: digits (partial: direct)", "Images: digits (partial: direct)")
    assert not supersedes("Images: digits (partial: direct)", "Images: digits")
    assert not supersedes("Images: digits (partial: regen)", "Images: digits (partial: direct)")
    assert not supersedes("Images: digits per stage", "Images: digits")
    partials = section("D (partial: x)", "2026-12-06 09:00") + section("D (partial: y)", "2026-12-06 08:00")
    text, archive = record(INTRO + partials, "# Archive\n", section("D", "2026-12-07 09:00"))
    assert [s.splitlines()[0] for s in split_sections(text)[1]] == ["## D — 2026-12-07 09:00"]
    assert archive.count("(superseded 2026-12-07 09:00)") == 2
    assert archive.startswith("# Archive\n\n# Moved from RESULTS.md on 2026-12-07\n\n## D (partial: x)")


def test_record_results_writes_both_files_with_paths_relative_to_the_checkout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(results, "RESULTS", tmp_path / "RESULTS.md")
    monkeypatch.setattr(results, "ARCHIVE", tmp_path / "ARCHIVE.md")
    root = results.ROOT
    results.record_results(f"Curve ({root}/runs/a)", ["| 1 |"], f"python benchmarks/x.py --run {root}/runs/a")
    assert not (tmp_path / "ARCHIVE.md").exists()  # nothing superseded yet
    results.record_results("Curve (runs/a)", ["| 2 |"], "python benchmarks/x.py --run runs/a")
    text, archive = (tmp_path / "RESULTS.md").read_text(), (tmp_path / "ARCHIVE.md").read_text()
    assert text.startswith(results.RESULTS_INTRO) and "| 2 |" in text and "| 1 |" not in text
    assert "Command: `python benchmarks/x.py --run runs/a`" in archive and str(root) not in text + archive
    assert "| 2 |" in capsys.readouterr().out


def test_kept_computes_once_per_key(tmp_path: Path) -> None:
    calls: list[int] = []

    def compute() -> list[int]:
        calls.append(1)
        return [len(calls)]

    path = tmp_path / "scores" / "row.json"
    assert kept(path, {"weights": "a"}, compute) == [1]
    assert kept(path, {"weights": "a"}, compute) == [1]  # same key: read back, not recomputed
    assert kept(path, {"weights": "b"}, compute) == [2]  # new weights: scored again, file replaced
    assert kept(path, {"weights": "b"}, compute) == [2]
    assert len(calls) == 2
