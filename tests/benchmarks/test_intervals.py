"""benchmarks/intervals.py: percentile-bootstrap intervals of means, ratios of sums and paired differences."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from intervals import mean_interval, paired_difference_interval, ratio_interval, with_interval  # noqa: E402


def test_mean_interval_covers_the_mean_and_narrows_with_more_units() -> None:
    rng = np.random.default_rng(1)
    small, large = rng.normal(5.0, 1.0, 20), rng.normal(5.0, 1.0, 500)
    lo, hi = mean_interval(small)
    assert lo < small.mean() < hi
    lo2, hi2 = mean_interval(large)
    assert lo2 < 5.0 < hi2 and hi2 - lo2 < (hi - lo) / 3  # width shrinks about as 1 / sqrt(n)
    assert mean_interval([3.0, 3.0, 3.0]) == (3.0, 3.0)


def test_ratio_interval_resamples_sentences_not_rates() -> None:
    errors, words = [0, 0, 0, 10], [10, 10, 10, 10]  # one bad sentence: corpus WER 0.25
    lo, hi = ratio_interval(errors, words)
    assert 0.0 <= lo < 0.25 < hi <= 1.0
    assert ratio_interval([1, 1], [2, 2]) == (0.5, 0.5)
    with pytest.raises(ValueError):
        ratio_interval([1], [1, 2])


def test_paired_difference_interval_says_when_a_difference_holds() -> None:
    rng = np.random.default_rng(2)
    base = rng.normal(0, 1, 200)
    better = base - 0.5 + rng.normal(0, 0.1, 200)
    assert paired_difference_interval(better, base)[1] < 0  # holds: the interval excludes 0
    same = base + rng.normal(0, 0.1, 200)
    lo, hi = paired_difference_interval(same, base)
    assert lo < 0 < hi


def test_with_interval_formats_value_and_bounds() -> None:
    assert with_interval(0.1234, (0.1, 0.15)) == "0.123 [0.100, 0.150]"
