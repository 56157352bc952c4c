"""Voice-leading faults counted on a chorale grid (4, time): parallel perfect intervals and
voice crossings, reported per 100 sixteenth steps so windows of any length compare.

- A parallel is a move between two consecutive grid steps in which two voices both change
  pitch and keep the same perfect interval class: unison/octave (0 mod 12) or fifth
  (7 mod 12). Each voice pair counts once per move.
- A crossing is a step at which a voice sounds below the voice written under it
  (soprano under alto, alto under tenor or tenor under bass); each pair counts once per step.
Rests take part in neither.
"""

from __future__ import annotations

import numpy as np

from regen.music.grid import token_to_pitch

PERFECT = (0, 7)


def parallel_count(grid: np.ndarray) -> int:
    """Parallel unisons/octaves and fifths between all voice pairs of a grid (voices, time)."""
    pitch = token_to_pitch(grid)
    before, after = pitch[:, :-1], pitch[:, 1:]
    moved = (before != after) & (before >= 0) & (after >= 0)
    count = 0
    for i in range(len(pitch)):
        for j in range(i + 1, len(pitch)):
            both = moved[i] & moved[j]
            was = np.abs(before[i] - before[j]) % 12
            now = np.abs(after[i] - after[j]) % 12
            count += int(np.sum(both & (was == now) & np.isin(now, PERFECT)))
    return count


def crossing_count(grid: np.ndarray) -> int:
    """Steps x adjacent voice pairs where the upper voice sounds below the lower one."""
    pitch = token_to_pitch(grid)
    upper, lower = pitch[:-1], pitch[1:]
    return int(np.sum((upper >= 0) & (lower >= 0) & (upper < lower)))


def per_100_steps(grids: list[np.ndarray]) -> dict[str, float]:
    """Parallels and crossings per 100 grid steps, pooled over `grids` (each (voices, time))."""
    steps = sum(g.shape[1] for g in grids)
    return {"parallels": 100 * sum(parallel_count(g) for g in grids) / max(steps, 1),
            "crossings": 100 * sum(crossing_count(g) for g in grids) / max(steps, 1)}
