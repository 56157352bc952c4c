"""The chorale grid: four voices (S, A, T, B) on a 16th-note time axis.

Convention (Coconet-style): a grid is an integer array (voices=4, time) holding one
token per voice per 16th step. Token 0 is a rest; token k >= 1 is MIDI pitch
LOWEST_PITCH + k - 1. Holds are not modelled: a note lasting a quarter fills four
steps with the same token, and when the grid is written back to a score,
consecutive equal pitches in a voice merge into one note (so repeated notes in the
source become one longer note).

The pitch range is MIDI 30..86 (57 pitches): the Bach chorales span 36..81, and
every transposition by -6..+5 semitones stays inside it.
"""

from __future__ import annotations

import numpy as np

VOICES = ("Soprano", "Alto", "Tenor", "Bass")
LOWEST_PITCH = 30
HIGHEST_PITCH = 86
REST = 0
VOCAB = HIGHEST_PITCH - LOWEST_PITCH + 2  # 57 pitches + rest = 58 tokens
STEPS_PER_QUARTER = 4
STEPS_PER_BAR = 16
WINDOW = 128
TRANSPOSITIONS = tuple(range(-6, 6))


def pitch_to_token(pitch: np.ndarray) -> np.ndarray:
    """MIDI pitches (any shape, -1 for rest) -> tokens of the same shape."""
    pitch = np.asarray(pitch)
    return np.where(pitch < 0, REST, pitch - LOWEST_PITCH + 1).astype(np.int64)


def token_to_pitch(tokens: np.ndarray) -> np.ndarray:
    """Tokens (any shape) -> MIDI pitches, -1 where the token is a rest."""
    tokens = np.asarray(tokens)
    return np.where(tokens == REST, -1, tokens + LOWEST_PITCH - 1).astype(np.int64)


def in_range(pitch: np.ndarray) -> np.ndarray:
    """Which MIDI pitches (rests, -1, count as in range) fit the vocabulary."""
    pitch = np.asarray(pitch)
    return (pitch < 0) | ((pitch >= LOWEST_PITCH) & (pitch <= HIGHEST_PITCH))


def transpose_grid(grid: np.ndarray, semitones: int) -> np.ndarray | None:
    """Transpose a token grid (..., voices, time); None if a pitch would leave the range."""
    grid = np.asarray(grid)
    sounding = grid != REST
    shifted = np.where(sounding, grid + semitones, REST)
    if np.any(sounding & ((shifted < 1) | (shifted > VOCAB - 1))):
        return None
    return shifted.astype(np.int64)


def windows(grid: np.ndarray, length: int = WINDOW, hop: int = WINDOW) -> np.ndarray:
    """Cut a (voices, time) grid into (n, voices, length) windows, dropping a partial tail."""
    starts = range(0, grid.shape[1] - length + 1, hop)
    if grid.shape[1] < length:
        return np.zeros((0, grid.shape[0], length), dtype=np.int64)
    return np.stack([grid[:, s:s + length] for s in starts]).astype(np.int64)


def notes_of_voice(row: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of equal tokens in one voice (time,) -> [(start, length, token)], rests included."""
    row = np.asarray(row)
    if row.size == 0:
        return []
    change = np.flatnonzero(np.diff(row)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [row.size]])
    return [(int(s), int(e - s), int(row[s])) for s, e in zip(starts, ends)]
