"""A hand-made sung melody shared by the melody tests."""

from __future__ import annotations

import pytest

from regen.music.melody.melodies import Melody, MelodyNote

# (MIDI pitch or None, quarters, lyric, syllabic, fermata); 3/4 in G major, a one-beat pickup.
EVENTS = [(62, 1, "O", "single", False),
          (67, 1, "sing", "single", False), (71, 0.5, "a", "begin", False), (69, 0.5, None, None, False),
          (67, 1, "long", "end", False),
          (74, 2, "song,", "single", True), (None, 1, None, None, False),
          (72, 1, None, None, False), (71, 1, None, None, False), (None, 1, None, None, False),
          (69, 1, "sing", "single", False), (67, 0.5, "it", "single", False), (66, 0.5, "all", "begin", False),
          (67, 2, "day.", "end", False)]


@pytest.fixture
def hand_melody() -> Melody:
    """The melody of "O sing a-long song, (rest, two untexted notes, rest) sing it all-day." in 3/4, G major."""
    notes, t = [], 0.0
    for pitch, quarters, lyric, syllabic, fermata in EVENTS:
        position = (t + 2.0) % 3.0  # the pickup starts on beat 3
        notes.append(MelodyNote(pitch, t, float(quarters), int((t + 2.0) // 3.0), position, 0.5, lyric, syllabic,
                                fermata))
        t += quarters
    return Melody("hand", "voice", "test", "en", "G", "major", ((0, "3/4"),), 1.0, tuple(notes))
