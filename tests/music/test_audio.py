"""Scores made audible: each note sounds at its time and pitch; a held note sounds once."""

import numpy as np

from regen.music.audio import SAMPLE_RATE, grid_notes, render_grid, render_notes
from regen.music.grid import REST, pitch_to_token


def _peak_hz(wave: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(wave * np.hanning(len(wave))))
    return float(np.fft.rfftfreq(len(wave), 1 / SAMPLE_RATE)[spectrum.argmax()])


def test_a_note_sounds_at_its_pitch_and_time() -> None:
    wave = render_notes([(0.5, 1.0, 69)])
    assert np.abs(wave[: int(0.45 * SAMPLE_RATE)]).max() == 0
    assert abs(_peak_hz(wave[int(0.6 * SAMPLE_RATE): int(1.4 * SAMPLE_RATE)]) - 440) < 3
    assert np.abs(wave).max() <= 0.8 + 1e-6


def test_held_notes_sound_once_and_rests_are_silent() -> None:
    grid = np.full((4, 32), REST)
    grid[0, :16] = pitch_to_token(np.array([72]))[0]  # a whole note held for 16 steps
    grid[3, 16:] = pitch_to_token(np.array([48]))[0]
    notes = grid_notes(grid, tempo_bpm=60)
    assert notes == [(0.0, 4.0, 72), (4.0, 4.0, 48)]
    assert len(render_grid(grid, tempo_bpm=60)) > 8 * SAMPLE_RATE
