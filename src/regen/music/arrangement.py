"""A user's own score kept as written, with generated voices put into its measures.

The model works on the 16th-note grid, where a repeated note and a held one look alike and bar lines,
pickups and fermatas do not exist. So the parts a user gave are never rebuilt from the grid: they are
copied from the score as read (every note, tie, rest, lyric, fermata, time and key signature), and
each generated voice is written into a copy of the melody's measure skeleton (`Stream.template`):
same meter changes, same pickup, same key signature, its notes split at the bar lines with ties,
spelled in the melody's key, with a fermata on the note it sounds under each fermata of the melody.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from regen.core.files import atomic_path
from regen.music.grid import REST, STEPS_PER_QUARTER, VOICES, notes_of_voice, token_to_pitch
from regen.music.spelling import key_of, spelled_pitch, spelling_in


@dataclass
class Arrangement:
    """A score as given (`score`, music21) and which of its parts the output keeps verbatim:
    `kept[v]` is the index of the user's part written as voice v (None: generated). With `span`
    (start, end) in quarters, a generated voice differs from the user's part of the same index only
    in the measures that overlap the span: the others are copied from the user's part (infill)."""

    score: Any
    kept: tuple[int | None, ...]
    span: tuple[Fraction, Fraction] | None = None


def _fermata_offsets(part: Any) -> set[Fraction]:
    """Flat offsets (quarters) of the notes and rests of `part` that carry a fermata."""
    from music21 import expressions

    return {Fraction(el.getOffsetInHierarchy(part)).limit_denominator(64) for el in part.flatten().notesAndRests
            if any(isinstance(e, expressions.Fermata) for e in el.expressions)}


def _measure_spans(skeleton: Any) -> list[tuple[Any, Fraction, Fraction]]:
    """(measure, start, end) in flat quarters for every measure of a part skeleton."""
    measures = list(skeleton.getElementsByClass("Measure"))
    spans = []
    for k, m in enumerate(measures):
        start = Fraction(m.offset).limit_denominator(64)
        if k + 1 < len(measures):
            end = Fraction(measures[k + 1].offset).limit_denominator(64)
        else:
            end = start + Fraction(m.barDuration.quarterLength).limit_denominator(64) \
                - Fraction(m.paddingLeft).limit_denominator(64)
        spans.append((m, start, end))
    return spans


def voice_part(row: np.ndarray, melody: Any, name: str, clef: Any, names: dict[int, str],
               fermatas: set[Fraction]) -> Any:
    """A generated voice (time,) of grid tokens as a Part in the measures of `melody` (a music21 Part)."""
    from music21 import expressions, instrument, note, tie

    part = melody.template(fillWithRests=False, retainVoices=False)
    part.id, part.partName, part.partAbbreviation = name, name, name[0]
    for old in part.recurse().getElementsByClass(("Clef", "Instrument")):
        old.activeSite.remove(old)
    voice = instrument.Vocalist()
    voice.partName = name
    part.insert(0, voice)
    notes = [(Fraction(s, STEPS_PER_QUARTER), Fraction(s + n, STEPS_PER_QUARTER), int(t))
             for s, n, t in notes_of_voice(row)]
    spans = _measure_spans(part)
    if spans:
        spans[0][0].insert(0, clef)
        end = spans[-1][2]
        if notes and notes[-1][1] < end:  # the melody goes on after the grid's last step: rest to the end
            notes.append((notes[-1][1], end, REST))
    for measure, a, b in spans:
        for s, e, token in notes:
            lo, hi = max(s, a), min(e, b)
            if hi <= lo:
                continue
            pitch = int(token_to_pitch(np.array([token]))[0]) if token != REST else -1
            el = note.Rest() if pitch < 0 else note.Note(spelled_pitch(pitch, names))
            el.quarterLength = hi - lo
            if pitch >= 0 and (lo > s or hi < e):
                el.tie = tie.Tie("start" if lo == s else "stop" if hi == e else "continue")
            if any(lo <= f < hi for f in fermatas):  # held under the melody's fermata
                el.expressions.append(expressions.Fermata())
            measure.insert(lo - a, el)
    part.makeNotation(inPlace=True)
    return part


def _keep_outside(part: Any, original: Any, span: tuple[Fraction, Fraction]) -> None:
    """Replace the measures of `part` that do not overlap `span` by copies of `original`'s."""
    import copy

    theirs = list(original.getElementsByClass("Measure"))
    for k, (measure, a, b) in enumerate(_measure_spans(part)):
        if k < len(theirs) and (b <= span[0] or a >= span[1]):
            kept = copy.deepcopy(theirs[k])
            part.replace(measure, kept)


def arranged_score(given: Arrangement, grid: np.ndarray, title: str) -> Any:
    """The four voices: the user's kept parts verbatim, the others from `grid` (4, time) in the
    measures of the user's top part."""
    import copy

    from music21 import clef, metadata, stream

    parts = list(given.score.parts)
    melody = parts[0]
    found = key_of(int(p.midi) for part in parts for p in part.flatten().pitches)
    names = spelling_in(found)
    fermatas = _fermata_offsets(melody)
    clefs = (clef.TrebleClef, clef.TrebleClef, clef.Treble8vbClef, clef.BassClef)
    score = stream.Score()
    score.insert(0, metadata.Metadata(title=title))
    for v, name in enumerate(VOICES):
        index = given.kept[v]
        if index is not None:
            part = copy.deepcopy(parts[index])
            part.id, part.partName, part.partAbbreviation = name, name, name[0]
        else:
            part = voice_part(grid[v], melody, name, clefs[v](), names, fermatas)
            if given.span is not None and v < len(parts):
                _keep_outside(part, parts[v], given.span)
        score.insert(0, part)
    return score


def write_arrangement(score: Any, out_dir: str | Path, stem: str) -> dict[str, Path]:
    """`stem`.musicxml and `stem`.mid of an arranged score in out_dir (each atomically)."""
    out_dir = Path(out_dir)
    written = {}
    for kind, fmt, suffix in (("musicxml", "musicxml", ".musicxml"), ("midi", "midi", ".mid")):
        path = out_dir / f"{stem}{suffix}"
        with atomic_path(path, suffix) as tmp:
            score.write(fmt, fp=tmp)
        written[kind] = path
    return written
