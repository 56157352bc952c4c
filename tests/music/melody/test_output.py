"""A sung melody as files: the MusicXML carries each syllable under its note, the MIDI holds the
notes, and both pictures are PNGs."""

from __future__ import annotations

from pathlib import Path

from music21 import converter

from regen.music.melody.melodies import Melody
from regen.music.melody.output import write_melody
from regen.music.melody.segments import melody_segments


def test_write_melody_files_carry_the_notes_and_syllables(hand_melody: Melody, tmp_path: Path) -> None:
    segment = melody_segments(hand_melody, 32, syllabic=True)[0][0]
    paths = write_melody(segment, tmp_path, "song", "hand")
    assert [p.name for p in paths] == ["song.musicxml", "song.mid", "song.png", "song-template.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # no temporary left
    for png in paths[2:]:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    notes = list(converter.parse(paths[0]).flatten().notes)
    assert [n.pitch.midi for n in notes] == list(segment.pitches)
    sung = [s.text + s.punctuation for s in segment.syllables]
    assert [n.lyric for n in notes] == sung
    midi_notes = list(converter.parse(paths[1]).flatten().notes)
    assert [n.pitch.midi for n in midi_notes] == list(segment.pitches)
