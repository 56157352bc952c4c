"""95 % bootstrap intervals for the benchmarks' headline figures.

The unit resampled is the one the figure is averaged over (a sentence, a sample, a draw): `B`
resamples of the same size, with replacement, from a generator seeded with `seed`, and the
2.5th / 97.5th percentiles of the statistic over them (the percentile bootstrap, Efron & Tibshirani
1993, ch. 13). A corpus-level ratio such as a word error rate (errors over reference words, summed
over sentences) is resampled as a ratio of sums, not as a mean of per-sentence rates.

    mean_interval(values)              mean of per-unit values (grades, MCDs, ...)
    ratio_interval(numerators, denominators)   sum / sum (WER: errors / words per sentence)
    paired_difference_interval(a, b)   mean of a - b over the same units (a win holds when it excludes 0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

B = 2000  # resamples


def _resamples(n: int, seed: int, b: int = B) -> np.ndarray:
    """Indices (b, n) of b bootstrap resamples of n units."""
    if n < 1:
        raise ValueError("a bootstrap interval needs at least one unit")
    return np.random.default_rng(seed).integers(0, n, size=(b, n))


def _percentiles(statistics: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(statistics, [2.5, 97.5])
    return float(lo), float(hi)


def mean_interval(values: Sequence[float], seed: int = 0) -> tuple[float, float]:
    """95 % interval (lo, hi) of the mean of `values` (one per unit)."""
    x = np.asarray(values, dtype=np.float64)
    return _percentiles(x[_resamples(len(x), seed)].mean(1))


def ratio_interval(numerators: Sequence[float], denominators: Sequence[float], seed: int = 0) -> tuple[float, float]:
    """95 % interval (lo, hi) of sum(numerators) / sum(denominators), units resampled together."""
    a, b = np.asarray(numerators, dtype=np.float64), np.asarray(denominators, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"{len(a)} numerators but {len(b)} denominators")
    index = _resamples(len(a), seed)
    return _percentiles(a[index].sum(1) / np.maximum(b[index].sum(1), 1e-12))


def paired_difference_interval(a: Sequence[float], b: Sequence[float], seed: int = 0) -> tuple[float, float]:
    """95 % interval (lo, hi) of mean(a - b) over the same units (paired)."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"{len(x)} against {len(y)} paired values")
    return mean_interval(x - y, seed)


def with_interval(value: float, interval: tuple[float, float], digits: int = 3) -> str:
    """'0.123 [0.100, 0.150]'."""
    lo, hi = interval
    return f"{value:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
