"""One monophonic voice line as a list of notes and rests, read from a music21 part.

Times are in quarter lengths (a quarter note is 1.0). Each note knows its bar, its
position in the bar (pickups are right-aligned so a one-beat anacrusis in 4/4 starts at
3.0), music21's metrical accent weight at that position, the lyric syllable sung on it
and music21's syllabic position of that syllable (begin/middle/end/single).

A part is refused with `Dropped(reason)` when it cannot be read as one melody: no bars, no time
signature, chords, several voices in one staff, overlapping notes, unpitched notes, fewer
than `MIN_NOTES` notes. Tied notes are merged, grace notes skipped, consecutive rests
merged, and leading/trailing rests removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MIN_NOTES = 8
"""Fewest sounding notes a kept melody has."""
MIN_SYLLABLES = 8
"""Fewest syllables a melody paired with lyrics carries."""
MIN_SYLLABLE_SHARE = 0.2
"""Smallest share of its sounding notes that carry a syllable in a melody paired with lyrics."""
SYLLABIC = ("begin", "middle", "end", "single")
_SOFT_HYPHEN = "\xad"
_DIGITS = 6


class Dropped(Exception):
    """A part that is not kept as a melody; `reason` is a short stable phrase used in summaries."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MelodyNote:
    """One note or rest of a melody.

    pitch: MIDI number, None for a rest. onset: quarter lengths from the start of the piece.
    duration: quarter lengths (ties merged). bar: 0-based bar index (a pickup is bar 0).
    bar_offset: quarter lengths from the start of the bar. beat_strength: music21's accent
    weight in 0..1 (1 = downbeat). lyric: the syllable's text as printed (punctuation kept,
    hyphens removed) or None. syllabic: begin/middle/end/single with a lyric, else None.
    fermata: a fermata is written on the note.
    """

    pitch: int | None
    onset: float
    duration: float
    bar: int
    bar_offset: float
    beat_strength: float
    lyric: str | None = None
    syllabic: str | None = None
    fermata: bool = False

    @property
    def is_rest(self) -> bool:
        return self.pitch is None

    def to_row(self) -> list[int | float | str | bool | None]:
        """A compact JSON row: [pitch, onset, duration, bar, bar_offset, beat_strength, lyric, syllabic, fermata]."""
        return [self.pitch, self.onset, self.duration, self.bar, self.bar_offset, self.beat_strength,
                self.lyric, self.syllabic, int(self.fermata)]

    @classmethod
    def from_row(cls, row: Sequence[int | float | str | bool | None]) -> MelodyNote:
        """The note of a `to_row` row."""
        pitch, onset, duration, bar, bar_offset, strength, lyric, syllabic, fermata = row
        return cls(pitch, onset, duration, bar, bar_offset, strength, lyric, syllabic, bool(fermata))


@dataclass(frozen=True)
class Melody:
    """A monophonic voice line with its key and meters.

    piece: the piece's id (a corpus path, `#n` for the n-th tune of an ABC book).
    voice: the part's name. collection: corpus collection. language: code of the lyric's
    language ("de", "la", "it", ...) or "" for instrumental tunes. tonic/mode: the key
    ("F#", "minor"). meters: (bar, "3/4") at the first bar and at every change.
    pickup: quarter lengths of the anacrusis the melody starts with, 0.0 without one (or when
    the voice enters after bar 0). heldout: in the fixed held-out split.
    """

    piece: str
    voice: str
    collection: str
    language: str
    tonic: str
    mode: str
    meters: tuple[tuple[int, str], ...]
    pickup: float
    notes: tuple[MelodyNote, ...]
    heldout: bool = False

    @property
    def sounding(self) -> list[MelodyNote]:
        """The notes without the rests."""
        return [n for n in self.notes if n.pitch is not None]

    @property
    def syllable_count(self) -> int:
        """Notes that carry a syllable."""
        return sum(1 for n in self.notes if n.lyric)

    @property
    def paired(self) -> bool:
        """Whether enough notes carry syllables for the melody to pair lyrics with notes."""
        count = self.syllable_count
        return count >= MIN_SYLLABLES and count >= MIN_SYLLABLE_SHARE * len(self.sounding)

    def meter_at(self, bar: int) -> str:
        """The time signature ("3/4") in force in `bar`."""
        current = self.meters[0][1]
        for start, ratio in self.meters:
            if start > bar:
                break
            current = ratio
        return current

    def to_json(self) -> dict[str, Any]:
        return {"piece": self.piece, "voice": self.voice, "collection": self.collection, "language": self.language,
                "tonic": self.tonic, "mode": self.mode, "meters": [list(m) for m in self.meters],
                "pickup": self.pickup, "heldout": self.heldout, "notes": [n.to_row() for n in self.notes]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Melody:
        return cls(data["piece"], data["voice"], data["collection"], data["language"], data["tonic"], data["mode"],
                   tuple((int(b), str(r)) for b, r in data["meters"]), float(data["pickup"]),
                   tuple(MelodyNote.from_row(r) for r in data["notes"]), bool(data["heldout"]))


@lru_cache(maxsize=4096)
def accent_weight(ratio: str, bar_offset: float) -> float:
    """music21's metrical accent (0..1) of a position `bar_offset` (quarters) in a bar of meter `ratio`."""
    from music21 import meter

    ts = meter.TimeSignature(ratio)
    position = bar_offset % float(ts.barDuration.quarterLength)
    return float(ts.getAccentWeight(position, forcePositionMatch=True))


def piece_key(score: Any) -> tuple[str, str]:
    """(tonic name, "major"|"minor") of a whole score by music21's Krumhansl-Schmuckler analysis."""
    found = score.analyze("key")
    return found.tonic.name, found.mode


def _clean_lyric(raw: str) -> str:
    """The sung text: soft hyphens, editorial brackets and hyphens removed, elisions (`~`, `‿`) as a space."""
    for mark in (_SOFT_HYPHEN, "[", "]", "(", ")"):
        raw = raw.replace(mark, "")
    return raw.replace("~", " ").replace("\u203f", " ").strip().strip("-_").strip()


def _syllabic(lyric: Any, raw: str, soft_open: bool) -> str:
    """The syllabic position. Lines written with soft hyphens (`gio\\xadvi\\xad`) mark it by the
    hyphens: `soft_open` says the previous syllable ended with one (its word goes on)."""
    continues = raw.rstrip().endswith(_SOFT_HYPHEN)
    if soft_open:
        return "middle" if continues else "end"
    if _SOFT_HYPHEN in raw:
        return "begin" if continues else "single"
    return lyric.syllabic if lyric.syllabic in SYLLABIC else "single"


def _bar_pads(lengths: list[float], full: list[float]) -> list[float]:
    """Quarter lengths to add to the offsets inside each bar, given each bar's content length and
    full length. A short bar is right-aligned (an anacrusis, at the start or after a repeat) except
    the last bar and the first of two short bars that together fill one bar (a bar split by a
    repeat sign), which are left-aligned."""
    pads = [0.0] * len(lengths)
    short = [length < whole - 1e-6 for length, whole in zip(lengths, full)]
    bar = 0
    while bar < len(lengths):
        if not short[bar]:
            bar += 1
        elif bar + 1 < len(lengths) and short[bar + 1] and abs(lengths[bar] + lengths[bar + 1] - full[bar]) < 1e-6:
            pads[bar + 1] = full[bar + 1] - lengths[bar + 1]
            bar += 2
        else:
            if bar == 0 or bar < len(lengths) - 1:
                pads[bar] = full[bar] - lengths[bar]
            bar += 1
    return pads


def _bar_meters(measures: list[Any], first: Any) -> list[Any]:
    """The time signature of each bar. A signature that lasts one bar and gives way to the one
    before it again is how music21 notates an odd-length bar (ABC, Humdrum); that bar is read
    in the prevailing meter."""
    written = []
    current = first
    for m in measures:
        current = m.timeSignature or current
        written.append(current)
    out = list(written)
    for bar in range(1, len(written) - 1):
        if written[bar].ratioString != out[bar - 1].ratioString == written[bar + 1].ratioString:
            out[bar] = out[bar - 1]
    return out


def _events(part: Any) -> tuple[list[tuple], list[tuple[int, str]], float]:
    """(pitch, onset, duration, bar, bar_offset, beat_strength, lyric, tie, fermata) per event,
    the meters as (first bar, "3/4"), and the pickup length in quarter lengths."""
    from music21 import chord, expressions, harmony, meter, note, stream

    if any(not isinstance(c, harmony.Harmony) for c in part.recurse().getElementsByClass(chord.Chord)):
        raise Dropped("chords")
    if part.recurse().getElementsByClass(note.Unpitched).first() is not None:
        raise Dropped("unpitched notes")
    measures = list(part.getElementsByClass(stream.Measure))
    signatures = list(part.recurse().getElementsByClass(meter.TimeSignature))
    if not measures:
        raise Dropped("no bars")
    if not signatures:
        raise Dropped("no time signature")
    if any(len(m.voices) > 1 for m in measures):
        raise Dropped("several voices in one staff")
    bar_meters = _bar_meters(measures, signatures[0])
    meters: list[tuple[int, str]] = []
    for bar, ts in enumerate(bar_meters):
        if not meters or meters[-1][1] != ts.ratioString:
            meters.append((bar, ts.ratioString))
    pads = _bar_pads([float(m.duration.quarterLength) for m in measures],
                     [float(ts.barDuration.quarterLength) for ts in bar_meters])
    events = []
    for bar, (m, pad, ts) in enumerate(zip(measures, pads, bar_meters)):
        for el in m.flatten().notesAndRests:
            length = float(el.duration.quarterLength)
            if isinstance(el, harmony.Harmony) or length <= 0:
                continue
            offset = float(el.offset)
            position = round(pad + offset, _DIGITS)
            fermata = any(isinstance(e, expressions.Fermata) for e in el.expressions)
            lyric = el.lyrics[0] if (el.isNote and el.lyrics) else None
            pitch = None if el.isRest else int(el.pitch.midi)
            tie = el.tie.type if (el.isNote and el.tie is not None) else None
            events.append((pitch, float(m.offset) + offset, length, bar, position,
                           accent_weight(ts.ratioString, position), lyric, tie, fermata))
    pickup = float(measures[0].duration.quarterLength) if pads[0] > 0 else 0.0
    return events, meters, pickup


def melody_from_part(part: Any, piece: str, voice: str, collection: str, language: str,
                     key: tuple[str, str] | None = None, heldout: bool = False) -> Melody:
    """Read one music21 part as a `Melody`; raises `Dropped` when it is not one melody.

    `key` is (tonic, mode) of the piece; None analyses the part itself.
    """
    events, meters, pickup = _events(part)
    notes: list[MelodyNote] = []
    soft_open = False
    for pitch, onset, length, bar, position, strength, lyric, tie, fermata in events:
        prev = notes[-1] if notes else None
        if prev is not None and prev.pitch is not None and pitch == prev.pitch and tie in ("stop", "continue"):
            notes[-1] = MelodyNote(prev.pitch, prev.onset, round(prev.duration + length, _DIGITS), prev.bar,
                                   prev.bar_offset, prev.beat_strength, prev.lyric, prev.syllabic,
                                   prev.fermata or fermata)
            continue
        if pitch is None and prev is not None and prev.pitch is None:
            notes[-1] = MelodyNote(None, prev.onset, round(prev.duration + length, _DIGITS), prev.bar,
                                   prev.bar_offset, prev.beat_strength, fermata=prev.fermata or fermata)
            continue
        text, syllabic = None, None
        if lyric is not None:
            raw = lyric.rawText or lyric.text or ""
            text = _clean_lyric(raw) or None
            if text is not None:
                syllabic = _syllabic(lyric, raw, soft_open)
                soft_open = raw.rstrip().endswith(_SOFT_HYPHEN)
        if prev is not None and onset < prev.onset + prev.duration - 1e-6:
            raise Dropped("overlapping notes")
        notes.append(MelodyNote(pitch, round(onset, _DIGITS), round(length, _DIGITS), bar, position,
                                strength, text, syllabic, fermata))
    while notes and notes[0].pitch is None:
        notes.pop(0)
    while notes and notes[-1].pitch is None:
        notes.pop()
    if sum(1 for n in notes if n.pitch is not None) < MIN_NOTES:
        raise Dropped("too short")
    tonic, mode = key if key is not None else piece_key(part)
    pickup = round(pickup, _DIGITS) if notes[0].bar == 0 else 0.0
    return Melody(piece, voice, collection, language, tonic, mode, tuple(meters), pickup, tuple(notes), heldout)
