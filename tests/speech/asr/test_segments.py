"""Long recordings cut at their pauses: pieces in order, within the limit, silence dropped."""

import numpy as np

from regen.speech.asr.segments import speech_segments

RATE = 16000


def _burst(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)


def _gap(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def test_a_short_recording_stays_one_piece_without_its_silent_edges() -> None:
    wave = np.concatenate([_gap(1.0), _burst(1.0), _gap(0.5), _burst(1.0), _gap(1.0)])
    [(start, end)] = speech_segments(wave, RATE, max_seconds=10)
    assert 0.85 * RATE < start < 1.0 * RATE and 3.5 * RATE < end < 3.65 * RATE


def test_a_long_recording_is_cut_at_pauses_within_the_limit() -> None:
    wave = np.concatenate([p for _ in range(6) for p in (_burst(2.0), _gap(0.6))])
    pieces = speech_segments(wave, RATE, max_seconds=5)
    assert len(pieces) == 3  # two bursts (4.6 s with their pause) per piece
    assert all(b - a <= 5 * RATE for a, b in pieces)
    assert all(pieces[k][1] <= pieces[k + 1][0] for k in range(len(pieces) - 1))


def test_speech_without_pauses_is_cut_at_its_quietest_frames() -> None:
    wave = _burst(12.0) * np.linspace(1, 0.5, 12 * RATE, dtype=np.float32)
    pieces = speech_segments(wave, RATE, max_seconds=5)
    assert len(pieces) >= 3 and all(b - a <= 5.3 * RATE for a, b in pieces)


def test_silence_has_no_piece() -> None:
    assert speech_segments(_gap(3.0), RATE) == []
