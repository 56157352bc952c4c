"""benchmarks/results.py: the kept-result cache the curve and comparison tables share."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from results import kept  # noqa: E402


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
