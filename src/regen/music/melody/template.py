"""The music template Y' of a melody (TeleMelody's template): per note its rhythm, cadence,
scale degree and implied chord, with the melody's tonality and meter.

`melody_template(melody)` is a pure rule-based function:
- rhythm: duration, position in the bar and beat strength, copied from the melody;
- scale degree 1..7 of each pitch in the key (natural minor scale for minor keys); a pitch
  off the scale is the degree below raised a semitone (`alteration` +1), so the raised 6th
  and 7th of minor are 6+1 and 7+1;
- chord: the root degree of the diatonic triad that best covers the notes of each harmonic
  segment (a bar; half a bar in even meters of 4 quarters or more). Each note adds
  duration x (1 + beat strength) to the triads that contain its pitch class; ties go to
  the order I, V, IV, vi, ii, iii, vii. In minor, V and vii use the raised 7th. A segment
  of rests takes no chord;
- cadence: a note ends a phrase when it is the last note, is followed by a rest, has a
  fermata, is long and closes its bar (at least twice the median note duration, lasting to
  the bar line or beyond), or closes a lyric word followed by punctuation (the last note
  sung on that syllable). A phrase end on scale degree 1 is a full cadence, elsewhere a half cadence.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from regen.music.melody.melodies import Melody
from regen.music.melody.syllables import PUNCTUATION

CADENCE_NONE, CADENCE_HALF, CADENCE_FULL = 0, 1, 2
MODES = ("major", "minor")
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
CHORD_PREFERENCE = (1, 5, 4, 6, 2, 3, 7)
LONG_NOTE = 2.0
"""A note at least this many times the median duration is long."""
_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


@dataclass(frozen=True)
class TemplateNote:
    """The template of one note or rest.

    rest: a rest (degree, alteration and chord 0). duration, bar_offset: quarter lengths.
    beat_strength: 0..1 (1 = downbeat). cadence: CADENCE_NONE / CADENCE_HALF / CADENCE_FULL.
    degree: scale degree 1..7. alteration: 0, or +1 for the degree raised a semitone.
    chord: root degree 1..7 of the implied diatonic triad, 0 when none.
    """

    rest: bool
    duration: float
    bar_offset: float
    beat_strength: float
    cadence: int
    degree: int
    alteration: int
    chord: int


@dataclass(frozen=True)
class MelodyTemplate:
    """A melody's template: tonic pitch class 0..11 (C = 0), mode, first meter ("3/4"), one entry per note or rest."""

    tonic: int
    mode: str
    meter: str
    notes: tuple[TemplateNote, ...]


def pitch_class(name: str) -> int:
    """Pitch class 0..11 of a note name such as "F#", "B-" (music21) or "Bb"."""
    letter, accidentals = name[:1].upper(), name[1:]
    if letter not in _PITCH_CLASS or any(ch not in "#b-" for ch in accidentals):
        raise ValueError(f"not a note name: {name!r}")
    return (_PITCH_CLASS[letter] + accidentals.count("#") - accidentals.count("-") - accidentals.count("b")) % 12


def scale_degree(pitch: int, tonic: int, mode: str) -> tuple[int, int]:
    """(degree 1..7, alteration 0|+1) of MIDI `pitch` in the key of `tonic` (pitch class) and `mode`."""
    scale = SCALES[mode]
    rel = (pitch - tonic) % 12
    if rel in scale:
        return scale.index(rel) + 1, 0
    return scale.index((rel - 1) % 12) + 1, 1


def triad(root: int, mode: str) -> frozenset[int]:
    """Pitch classes relative to the tonic of the diatonic triad on degree `root` (raised 7th for V, vii in minor)."""
    scale = list(SCALES[mode])
    if mode == "minor" and root in (5, 7):
        scale[6] = 11
    return frozenset(scale[(root - 1 + step) % 7] for step in (0, 2, 4))


def bar_length(meter: str) -> float:
    """Quarter lengths in a bar of `meter` ("6/8" -> 3.0)."""
    numerator, denominator = (int(x) for x in meter.split("/"))
    return numerator * 4.0 / denominator


def _segment(bar: int, bar_offset: float, meter: str) -> tuple[int, int]:
    length = bar_length(meter)
    halves = int(meter.split("/")[0]) % 2 == 0 and length >= 4.0
    return bar, int(halves and bar_offset >= length / 2)


def _chords(melody: Melody, tonic: int) -> list[int]:
    segments: dict[tuple[int, int], dict[int, float]] = {}
    keys = []
    for note in melody.notes:
        key = _segment(note.bar, note.bar_offset, melody.meter_at(note.bar))
        keys.append(key)
        weights = segments.setdefault(key, {})
        if note.pitch is not None:
            rel = (note.pitch - tonic) % 12
            weights[rel] = weights.get(rel, 0.0) + note.duration * (1.0 + note.beat_strength)
    best: dict[tuple[int, int], int] = {}
    for key, weights in segments.items():
        if weights:
            scores = {root: sum(w for rel, w in weights.items() if rel in triad(root, melody.mode))
                      for root in CHORD_PREFERENCE}
            best[key] = max(CHORD_PREFERENCE, key=lambda r: (scores[r], -CHORD_PREFERENCE.index(r)))
    return [0 if n.pitch is None else best.get(k, 0) for n, k in zip(melody.notes, keys)]


def _phrase_ends(melody: Melody) -> set[int]:
    notes = melody.notes
    sounding = [i for i, n in enumerate(notes) if n.pitch is not None]
    if not sounding:
        return set()
    median = statistics.median(notes[i].duration for i in sounding)
    ends = {sounding[-1]}
    for i in sounding:
        note = notes[i]
        followed_by_rest = i + 1 < len(notes) and notes[i + 1].pitch is None
        closes_bar = note.bar_offset + note.duration >= bar_length(melody.meter_at(note.bar)) - 1e-6
        long = note.duration >= LONG_NOTE * median and closes_bar
        if followed_by_rest or note.fermata or long:
            ends.add(i)
    for i in sounding:
        lyric = notes[i].lyric
        if lyric and notes[i].syllabic in ("end", "single") and lyric.rstrip()[-1:] in PUNCTUATION:
            last = i
            for j in range(i + 1, len(notes)):
                if notes[j].pitch is None or notes[j].lyric:
                    break
                last = j
            ends.add(last)
    return ends


def melody_template(melody: Melody) -> MelodyTemplate:
    """The template of `melody` (rules in the module docstring); one `TemplateNote` per note or rest."""
    if melody.mode not in MODES:
        raise ValueError(f"mode {melody.mode!r} is not one of {MODES}")
    tonic = pitch_class(melody.tonic)
    chords = _chords(melody, tonic)
    ends = _phrase_ends(melody)
    out = []
    for i, (note, chord) in enumerate(zip(melody.notes, chords)):
        if note.pitch is None:
            out.append(TemplateNote(True, note.duration, note.bar_offset, note.beat_strength, CADENCE_NONE, 0, 0, 0))
            continue
        degree, alteration = scale_degree(note.pitch, tonic, melody.mode)
        cadence = CADENCE_NONE
        if i in ends:
            cadence = CADENCE_FULL if (degree, alteration) == (1, 0) else CADENCE_HALF
        out.append(TemplateNote(False, note.duration, note.bar_offset, note.beat_strength, cadence, degree,
                                alteration, chord))
    return MelodyTemplate(tonic, melody.mode, melody.meters[0][1], tuple(out))
