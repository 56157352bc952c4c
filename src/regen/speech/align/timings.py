"""Durations from a voice's word timings: the oracle row of the duration ablation, never the default.

The corpus builder writes each utterance's word intervals (`durations/ID.json`, from festival's
Word relation or espeak-ng's word events). Each word's symbols share the word's interval evenly,
the separators between two words (space, punctuation) share the gap between them, and the symbols
before the first word and after the last share the leading and trailing audio. The boundaries are
rounded to frames, then made strictly increasing, so every symbol keeps at least one frame and the
durations sum to the frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from regen.core.errors import RegenError


def strict_boundaries(bounds: np.ndarray, frames: int) -> np.ndarray:
    """Frame boundaries (symbols + 1,) made 0 = b_0 < b_1 < ... < b_N = frames, each moved as little as
    the order needs (needs frames >= symbols)."""
    n = len(bounds) - 1
    if frames < n:
        raise RegenError(f"{n} symbols cannot share {frames} frames at one frame or more each")
    index = np.arange(n + 1)
    out = np.clip(np.asarray(bounds, dtype=np.int64), 0, frames)
    out[0], out[-1] = 0, frames
    out = np.maximum.accumulate(out - index) + index  # at least one frame after each boundary
    return np.minimum(out, frames - n + index)  # and room for one frame per later symbol


def durations_from_word_times(word_inputs: Sequence[tuple[int, int]], word_seconds: Sequence[tuple[float, float]],
                              symbols: int, frames: int, frame_seconds: float) -> np.ndarray:
    """Frames per symbol (symbols,) int64 summing to `frames`, from each word's symbols [s, e) and its
    (start, end) seconds (see the module docstring)."""
    if len(word_inputs) != len(word_seconds):
        raise ValueError(f"{len(word_inputs)} words of symbols but {len(word_seconds)} timed words")
    anchors = [(0, 0.0)]
    for (first, stop), (start, end) in zip(word_inputs, word_seconds):
        anchors += [(first, start), (stop, max(start, end))]
    anchors.append((symbols, frames * frame_seconds))
    positions = np.array([a for a, _ in anchors], dtype=np.float64)
    seconds = np.maximum.accumulate(np.array([s for _, s in anchors], dtype=np.float64))
    bounds = np.interp(np.arange(symbols + 1), positions, seconds) / frame_seconds
    return np.diff(strict_boundaries(np.round(bounds), frames))
