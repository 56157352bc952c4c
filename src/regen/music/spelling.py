"""Spelling a grid's pitches in its key: a token grid knows MIDI numbers, a score needs note names.

A MIDI number alone would be written with one fixed spelling per black key (C#, E-, F#, G#, B-), so a
chorale in A-flat major would read G# for its tonic's neighbour and a score in E major D- for its
leading tone. Musicians read that as wrong, and so does the published grade, whose note and interval
features count such notes as foreign degrees. Here the key is found from the notes themselves
(music21's Krumhansl-Schmuckler analysis), each pitch class of the key's scale (and, in minor, of its
harmonic and melodic forms: the raised sixth and seventh) takes the scale's name, and a chromatic
note takes flats in a flat key and sharps otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable


def key_of(midi_pitches: Iterable[int]):
    """The music21 Key that best fits `midi_pitches` (C major when there are none)."""
    from music21 import key, note, stream

    notes = stream.Stream([note.Note(int(m), quarterLength=0.25) for m in midi_pitches])
    return notes.analyze("key") if len(notes) else key.Key("C")


def spelling_in(k) -> dict[int, str]:
    """Pitch class (0-11) -> note name ('G#', 'A-') for the key `k`."""
    from music21 import scale

    tonic = k.tonic
    scales = [k.getScale()]
    if k.mode == "minor":
        scales += [scale.HarmonicMinorScale(tonic), scale.MelodicMinorScale(tonic)]
    names: dict[int, str] = {}
    for sc in scales:
        for p in sc.getPitches(f"{tonic.name}4", f"{tonic.name}5"):
            names.setdefault(p.pitchClass, p.name)
    chromatic = ("C", "D-", "D", "E-", "E", "F", "G-", "G", "A-", "A", "B-", "B") if k.sharps < 0 else \
        ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
    for pc, name in enumerate(chromatic):
        names.setdefault(pc, name)
    return names


def spelled_pitch(midi: int, names: dict[int, str]):
    """A music21 Pitch of MIDI number `midi` named as `names` spells its pitch class."""
    from music21 import pitch

    p = pitch.Pitch(names[midi % 12])
    p.octave = 4
    p.octave += (midi - int(round(p.ps))) // 12  # B#3 sounds as C4: the octave follows the name
    return p
