"""Long recordings cut at their pauses, so each piece is about as long as the sentences the recogniser
learned from, and every transcript piece carries its time.

Frames of `FRAME_S` are voiced when their RMS level lies within `RANGE_DB` of the loudest frame
(and above `SILENCE_DBFS`); a run of at least `MIN_PAUSE_S` unvoiced frames is a pause, cut in its
middle. Neighbouring pieces are joined again while their speech, first voiced frame to last, lasts at
most `max_seconds` (a sentence keeps its language-model context); a piece still longer is cut at its quietest frame in
its middle half, again and again. Pieces without a voiced frame are dropped.
"""

from __future__ import annotations

import numpy as np

from regen.speech.data.audio import SILENCE_DBFS

FRAME_S = 0.02
RANGE_DB = 40.0
MIN_PAUSE_S = 0.35
MAX_SECONDS = 15.0
PAD_S = 0.1


def frame_levels(wave: np.ndarray, rate: int) -> np.ndarray:
    """RMS level in dBFS of each `FRAME_S` frame (frames,) of a wave (samples,)."""
    width = max(1, int(FRAME_S * rate))
    n = -(-len(wave) // width)
    padded = np.zeros(n * width, dtype=np.float64)
    padded[: len(wave)] = wave
    power = np.mean(padded.reshape(n, width) ** 2, axis=1)
    return 10 * np.log10(np.maximum(power, 1e-12))


def _split_long(levels: np.ndarray, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """[start, end) frames cut at the quietest frame of its middle half until no piece exceeds `limit`."""
    if end - start <= limit:
        return [(start, end)]
    quarter = (end - start) // 4
    cut = start + quarter + int(np.argmin(levels[start + quarter: end - quarter]))
    return _split_long(levels, start, cut, limit) + _split_long(levels, cut, end, limit)


def _first_voiced(voiced: np.ndarray, a: int, b: int) -> int:
    return a + int(np.argmax(voiced[a:b]))


def _last_voiced(voiced: np.ndarray, a: int, b: int) -> int:
    """One past the last voiced frame of [a, b)."""
    return b - int(np.argmax(voiced[a:b][::-1]))


def speech_segments(wave: np.ndarray, rate: int, max_seconds: float = MAX_SECONDS) -> list[tuple[int, int]]:
    """Sample ranges [(start, end)] of the spoken pieces of `wave` (samples,), in order."""
    levels = frame_levels(wave, rate)
    if not len(levels):
        return []
    voiced = levels > max(levels.max() - RANGE_DB, SILENCE_DBFS)
    if not voiced.any():
        return []
    pause = int(round(MIN_PAUSE_S / FRAME_S))
    cuts, run = [], 0
    for i, v in enumerate(voiced):
        if not v:
            run += 1
            continue
        if run >= pause:
            cuts.append(i - run // 2)
        run = 0
    limit = int(max_seconds / FRAME_S)
    bounds = [0, *cuts, len(levels)]
    joined: list[tuple[int, int]] = []
    for a, b in zip(bounds, bounds[1:]):
        if not voiced[a:b].any():
            continue
        if joined and _last_voiced(voiced, a, b) - _first_voiced(voiced, *joined[-1]) <= limit:
            joined[-1] = (joined[-1][0], b)
        else:
            joined.append((a, b))
    pieces = [p for a, b in joined
              for p in _split_long(levels, _first_voiced(voiced, a, b), _last_voiced(voiced, a, b), limit)]
    width, pad = int(FRAME_S * rate), int(PAD_S * rate)
    out = []
    for a, b in pieces:
        on = np.flatnonzero(voiced[a:b])
        if not len(on):
            continue
        first, last = (a + on[0]) * width, (a + on[-1] + 1) * width
        out.append((max(0, first - pad), min(len(wave), last + pad)))
    return out
