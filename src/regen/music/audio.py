"""Scores made audible: a small additive synthesiser, so a chorale or a melody can be heard in a
browser or an audio player without a SoundFont.

Each note is a sum of `HARMONICS` sine partials (amplitudes falling as 1/k) under an attack /
decay / release envelope; a held note (a run of equal tokens in the chorale grid) sounds once.
Voices are mixed and the result peak-normalised to `PEAK`.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from regen.music.grid import REST, STEPS_PER_QUARTER, notes_of_voice, token_to_pitch

SAMPLE_RATE = 22050
TEMPO_BPM = 80.0  # a chorale's walking pace
HARMONICS = 5
ATTACK_S, RELEASE_S = 0.02, 0.08
PEAK = 0.8


def midi_to_hz(pitch: float) -> float:
    return 440.0 * 2.0 ** ((pitch - 69.0) / 12.0)


def render_notes(notes: Iterable[tuple[float, float, int]], sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Notes (onset seconds, duration seconds, MIDI pitch) -> mono float32 wave (samples,) in [-PEAK, PEAK]."""
    notes = [(float(t), float(d), int(p)) for t, d, p in notes if d > 0]
    end = max((t + d for t, d, _ in notes), default=0.0) + RELEASE_S
    wave = np.zeros(int(np.ceil(end * sample_rate)) + 1, dtype=np.float64)
    for onset, duration, pitch in notes:
        n = int(round((duration + RELEASE_S) * sample_rate))
        t = np.arange(n) / sample_rate
        f0 = midi_to_hz(pitch)
        tone = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, HARMONICS + 1) if k * f0 < sample_rate / 2)
        envelope = np.minimum(1.0, t / ATTACK_S) * np.exp(-1.5 * t)  # struck, then slowly fading
        envelope *= np.clip((duration + RELEASE_S - t) / RELEASE_S, 0.0, 1.0)  # released at the note's end
        start = int(round(onset * sample_rate))
        wave[start:start + n] += tone * envelope
    peak = np.abs(wave).max()
    return (wave * (PEAK / peak if peak > 0 else 1.0)).astype(np.float32)


def grid_notes(grid: np.ndarray, tempo_bpm: float = TEMPO_BPM) -> list[tuple[float, float, int]]:
    """A chorale grid (voices, time) of 16th-note tokens -> notes (onset s, duration s, MIDI pitch)."""
    step = 60.0 / tempo_bpm / STEPS_PER_QUARTER
    return [(start * step, length * step, int(token_to_pitch(np.array([token]))[0]))
            for row in np.asarray(grid) for start, length, token in notes_of_voice(row) if token != REST]


def render_grid(grid: np.ndarray, tempo_bpm: float = TEMPO_BPM, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A chorale grid (voices, time) -> wave (samples,)."""
    return render_notes(grid_notes(grid, tempo_bpm), sample_rate)


def render_melody(onsets_beats: Sequence[float], durations_beats: Sequence[float], pitches: Sequence[int],
                  tempo_bpm: float = 96.0, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A melody given in beats (quarter notes) -> wave (samples,)."""
    beat = 60.0 / tempo_bpm
    return render_notes(((o * beat, d * beat, p) for o, d, p in zip(onsets_beats, durations_beats, pitches)),
                        sample_rate)
