"""Melodies as the models see them: segments of at most `length` notes on a grid of 1/12 quarter.

A `Segment` is a run of notes in one key and one meter: where its first note starts in the bar,
then per note the rest before it, its duration (ticks of 1/12 quarter: 16ths and triplets are
exact), its MIDI pitch and whether it ends a phrase. The position of every later note follows
from these, so a segment's rhythm is consistent by construction.

**Melismas.** A melody paired with lyrics is read *syllabically* (`syllabic=True`): a syllable's
melisma (the notes that follow its note without a syllable of their own and without a rest
between) is merged into one note that keeps the first note's pitch and lasts until the last
note ends. So every note of a syllabic segment carries exactly one syllable, and a generated
melody has exactly one note onset per syllable. Notes without a syllable after a rest (an
untexted passage) are left out and cut the melody there. A melody read as notes
(`syllabic=False`: the renderer's unpaired data) keeps every note and never looks at lyrics.

**Normalisation.** Durations longer than `MAX_DURATION` keep that length and their remaining
time becomes silence before the next note; rests are capped at `MAX_REST`; a note or rest that
is not a whole number of ticks, a pitch more than two octaves from the key's reference tonic,
or a bar in a meter outside `METERS` cuts the melody (and is counted). Pitches are moved by
whole octaves per melody so that their median lies within a tritone of `reference_pitch`.

**Phrase ends.** `close_phrases` marks the notes the rule-based template calls phrase ends
(`regen.music.melody.template`: the last note, a note before a rest, a fermata, a long note
that closes its bar, a syllable before punctuation), keeping the marks already set; applied
twice it changes nothing, so a segment rebuilt from its tokens has the same phrase ends.
Melodies are cut into segments at phrase ends (a phrase longer than `length` at `length`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, replace

from regen.music.melody.melodies import Melody, MelodyNote, accent_weight
from regen.music.melody.syllables import PUNCTUATION, Syllable, sung_syllables
from regen.music.melody.template import MODES, bar_length, melody_template, pitch_class

TICKS = 12
"""Ticks per quarter note."""
MAX_DURATION = 96
MAX_REST = 96
METERS = ("2/4", "3/4", "4/4", "5/4", "6/4", "7/4", "8/4", "9/4", "10/4", "2/2", "3/2", "4/2", "5/2", "6/2", "3/8",
          "4/8", "6/8", "9/8", "12/8", "2/1", "3/1")
MAX_BAR = 144
"""Ticks in the longest bar of `METERS` (12 quarters)."""
PITCH_LOW, PITCH_HIGH = -24, 24
"""Pitches relative to `reference_pitch`, in semitones."""
MIN_NOTES = 4
"""Fewest notes a kept segment has."""
TONIC_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")


def reference_pitch(tonic: int) -> int:
    """MIDI pitch of the tonic (pitch class `tonic`) between G#3 and G4: relative pitches count from it."""
    return 60 + tonic if tonic <= 7 else 48 + tonic


def bar_ticks(meter: str) -> int:
    """Ticks in a bar of `meter`."""
    return round(bar_length(meter) * TICKS)


@dataclass(frozen=True)
class Segment:
    """A run of notes in one key and meter.

    tonic: pitch class 0..11; mode: major|minor; meter: one of `METERS`; start: ticks from the
    bar line to the first onset. Per note: rests (ticks of silence before it; the first is 0),
    durations (ticks, 1..MAX_DURATION), pitches (MIDI), ends (closes a phrase) and, for a
    segment read with its lyrics, syllables (one per note).
    """

    tonic: int
    mode: str
    meter: str
    start: int
    rests: tuple[int, ...]
    durations: tuple[int, ...]
    pitches: tuple[int, ...]
    ends: tuple[bool, ...]
    syllables: tuple[Syllable, ...] | None = None

    def __len__(self) -> int:
        return len(self.durations)

    def onsets(self) -> list[int]:
        """Ticks from the first bar line to each note onset."""
        out, t = [], self.start
        for rest, duration in zip(self.rests, self.durations):
            t += rest
            out.append(t)
            t += duration
        return out

    def positions(self) -> list[int]:
        """Ticks from each note's bar line to its onset."""
        bar = bar_ticks(self.meter)
        return [t % bar for t in self.onsets()]

    def relative_pitches(self) -> list[int]:
        """Semitones of each note above `reference_pitch(tonic)`."""
        base = reference_pitch(self.tonic)
        return [p - base for p in self.pitches]

    def to_melody(self) -> Melody:
        """The segment as a `Melody` (phrase ends written as fermatas, syllables as lyrics), for the
        template rules and for scores."""
        bar = bar_ticks(self.meter)
        notes: list[MelodyNote] = []

        def place(t: int) -> tuple[int, float, float]:
            offset = (t % bar) / TICKS
            return t // bar, offset, accent_weight(self.meter, offset)

        for k, (t, rest) in enumerate(zip(self.onsets(), self.rests)):
            if rest:
                notes.append(MelodyNote(None, (t - rest) / TICKS, rest / TICKS, *place(t - rest)))
            syllable = self.syllables[k] if self.syllables is not None else None
            lyric = syllable.text + syllable.punctuation if syllable is not None else None
            notes.append(MelodyNote(self.pitches[k], t / TICKS, self.durations[k] / TICKS, *place(t), lyric,
                                    syllable.position if syllable is not None else None, self.ends[k]))
        return Melody("segment", "", "", "", TONIC_NAMES[self.tonic], self.mode, ((0, self.meter),),
                      0.0, tuple(notes))

    def harmony(self) -> list[tuple[int, int]]:
        """(chord root degree 1..7, cadence 0|1|2) of each note, by the rule-based template."""
        return [(n.chord, n.cadence) for n in melody_template(self.to_melody()).notes if not n.rest]


def close_phrases(segment: Segment) -> Segment:
    """`segment` with every phrase end of the template rules marked (marks already set are kept)."""
    return replace(segment, ends=tuple(cadence != 0 for _, cadence in segment.harmony()))


@dataclass
class _Unit:
    """A note (or a syllable's merged melisma) while a melody is read, in quarter lengths."""

    onset: float
    duration: float
    pitch: int
    bar: int
    bar_offset: float
    mark: bool
    text: str | None
    syllabic: str | None
    cut_before: bool


def _units(melody: Melody, syllabic: bool) -> list[_Unit]:
    units: list[_Unit] = []
    after_rest, untexted, cut = True, False, False
    for note in melody.notes:
        if note.pitch is None:
            after_rest = True
            continue
        if syllabic and not note.lyric:
            if units and not after_rest and not untexted:  # melisma: the syllable's note lasts longer
                last = units[-1]
                last.duration = note.onset + note.duration - last.onset
                last.mark = last.mark or note.fermata
            else:
                untexted = cut = True
            after_rest = False
            continue
        punctuated = syllabic and note.syllabic in ("end", "single") and (note.lyric or "")[-1:] in PUNCTUATION
        units.append(_Unit(note.onset, note.duration, note.pitch, note.bar, note.bar_offset,
                           note.fermata or punctuated, note.lyric if syllabic else None,
                           note.syllabic if syllabic else None, cut))
        after_rest = untexted = cut = False
    return units


def _ticks(quarters: float) -> int | None:
    """Whole ticks of a length in quarters, None when it is not a whole number of ticks."""
    ticks = quarters * TICKS
    return round(ticks) if abs(ticks - round(ticks)) < 0.05 else None


def _octave_shift(melody: Melody, tonic: int) -> int:
    """Semitones (a multiple of 12) that put the median pitch within a tritone of the reference tonic."""
    median = statistics.median(n.pitch for n in melody.sounding) - reference_pitch(tonic)
    return -12 * int((median + 6) // 12)


def _runs(melody: Melody, units: list[_Unit], tonic: int, dropped: Counter) -> list[list[tuple]]:
    """Contiguous runs of quantised notes (rest, duration, pitch, mark, text, syllabic, bar_offset ticks, meter).

    Inside a run every note's place in the bar follows from the first note's and the rests and
    durations before it; a run is cut where that would differ from the note's real bar offset (a
    rest longer than MAX_REST, a short bar mid-piece)."""
    shift = _octave_shift(melody, tonic)
    base = reference_pitch(tonic)
    runs: list[list[tuple]] = []
    current: list[tuple] = []
    carry = 0
    prev_end: float | None = None
    for unit in units:
        meter = melody.meter_at(unit.bar)
        rest = _ticks(unit.onset - prev_end) if prev_end is not None else 0
        duration = _ticks(unit.duration)
        offset = _ticks(unit.bar_offset)
        pitch = unit.pitch + shift
        reason = ("meter outside METERS" if meter not in METERS else
                  "not on the tick grid" if None in (rest, duration, offset) or duration == 0 else
                  "pitch out of range" if not PITCH_LOW <= pitch - base <= PITCH_HIGH else None)
        prev_end = unit.onset + unit.duration
        if reason is not None:
            dropped[reason] += 1
        if reason is not None or unit.cut_before or (current and current[-1][7] != meter):
            if current:
                runs.append(current)
            current, carry = [], 0
            if reason is not None:
                continue
        rest = 0 if not current else min(MAX_REST, rest + carry)
        if current and (current[-1][6] + current[-1][1] + rest - offset) % bar_ticks(meter):
            # the capped rest (or an irregular bar before it) would put this note elsewhere in the bar than
            # it is: positions are rebuilt from rests and durations, so the run must end here
            runs.append(current)
            current, rest = [], 0
        carry = max(0, duration - MAX_DURATION)
        current.append((rest, min(duration, MAX_DURATION), pitch, unit.mark, unit.text, unit.syllabic,
                        offset, meter))
    if current:
        runs.append(current)
    return runs


def _pieces(ends: tuple[bool, ...], length: int) -> list[tuple[int, int]]:
    """(first, stop) of consecutive pieces of at most `length` notes, cut after phrase ends where possible."""
    phrases, first = [], 0
    for i, end in enumerate(ends):
        if end or i == len(ends) - 1:
            phrases.append((first, i + 1))
            first = i + 1
    pieces: list[tuple[int, int]] = []
    start = stop = 0
    for a, b in phrases:
        while b - a > length:
            if stop > start:
                pieces.append((start, stop))
            pieces.append((a, a + length))
            a = start = stop = a + length
        if stop - start + b - a > length:
            pieces.append((start, stop))
            start = a
        stop = b
    if stop > start:
        pieces.append((start, stop))
    return pieces


def melody_segments(melody: Melody, length: int, syllabic: bool) -> tuple[list[Segment], Counter]:
    """Segments of at most `length` notes of `melody` (syllabically with its lyrics, or note by note
    without them), and the count of what was left out, by reason."""
    dropped: Counter = Counter()
    if melody.mode not in MODES or not melody.sounding:
        dropped["no major or minor key"] += 1
        return [], dropped
    tonic = pitch_class(melody.tonic)
    out: list[Segment] = []
    for run in _runs(melody, _units(melody, syllabic), tonic, dropped):
        meter = run[0][7]
        whole = close_phrases(Segment(tonic, melody.mode, meter, run[0][6] % bar_ticks(meter),
                                      tuple(r[0] for r in run), tuple(r[1] for r in run),
                                      tuple(r[2] for r in run), tuple(r[3] for r in run)))
        syllables = (sung_syllables([r[4] for r in run], [r[5] for r in run], melody.language)
                     if syllabic else None)
        positions = whole.positions()
        for a, b in _pieces(whole.ends, length):
            if b - a < MIN_NOTES:
                dropped["segment shorter than MIN_NOTES"] += 1
                continue
            out.append(close_phrases(Segment(
                tonic, melody.mode, meter, positions[a], (0,) + whole.rests[a + 1:b], whole.durations[a:b],
                whole.pitches[a:b], whole.ends[a:b], tuple(syllables[a:b]) if syllables is not None else None)))
    return out, dropped
