"""Scores <-> grids: read MusicXML, MIDI and music21 corpus names; write MIDI and MusicXML.

Reading quantizes every note to the 16th-note grid of `regen.music.grid` and reports
what it had to change (notes finer than a 16th, chords inside a part) as warnings.
Writing is atomic: a temporary sibling file, then a rename.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from regen.core.errors import RegenError
from regen.core.files import atomic_path
from regen.music.grid import (HIGHEST_PITCH, LOWEST_PITCH, STEPS_PER_QUARTER, VOICES, notes_of_voice,
                              pitch_to_token, token_to_pitch)
from regen.music.spelling import key_of, spelled_pitch, spelling_in


class ScoreError(RegenError):
    """A score that cannot be turned into a four-voice chorale grid."""


@dataclass
class ReadScore:
    """A score read into a grid: (parts, time) tokens plus what reading changed."""

    grid: np.ndarray
    name: str
    warnings: list[str] = field(default_factory=list)


def parse_score(source: str | Path):
    """A MusicXML or MIDI file, or a music21 corpus name, as a music21 score; ScoreError otherwise."""
    from music21 import converter, corpus

    path = Path(source)
    try:
        if path.exists():
            if path.is_dir():
                raise ScoreError(f"{path} is a directory; pass a MusicXML (.musicxml/.xml/.mxl) or MIDI (.mid) file")
            return converter.parse(str(path))
        if path.suffix.lower() in {".mid", ".midi", ".xml", ".musicxml", ".mxl"}:
            raise ScoreError(f"score file {path} does not exist")
        try:
            return corpus.parse(str(source))
        except Exception:
            raise ScoreError(f"{source} is neither an existing score file nor a music21 corpus name "
                             "(such as bach/bwv66.6)") from None
    except ScoreError:
        raise
    except Exception as exc:  # music21 raises many unrelated types for unreadable input
        what = "file" if path.exists() else "music21 corpus name"
        first = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise ScoreError(f"cannot read {source} as a score {what} ({first}); pass MusicXML, MIDI or a "
                         "corpus name such as bach/bwv66.6") from None


def _parts(score) -> list:
    from music21 import stream

    if isinstance(score, stream.Opus):
        score = score.scores[0] if score.scores else stream.Score()
    parts = list(score.parts) if hasattr(score, "parts") else []
    if not parts and isinstance(score, stream.Stream) and score.flatten().notes:
        parts = [score]
    return parts


def part_to_row(part, warnings: list[str], label: str) -> np.ndarray:
    """One music21 part -> (time,) MIDI pitches on the 16th grid (-1 = rest)."""
    events = []
    finer = chords = 0
    for el in part.flatten().notes:
        if el.duration.quarterLength == 0:  # grace notes have no place on the grid
            continue
        start_q = Fraction(el.offset) * STEPS_PER_QUARTER
        end_q = Fraction(el.offset + el.duration.quarterLength) * STEPS_PER_QUARTER
        if start_q.denominator != 1 or end_q.denominator != 1:
            finer += 1
        start, end = round(start_q), round(end_q)
        if end <= start:
            end = start + 1
        if el.isChord:
            chords += 1
            pitch = max(p.midi for p in el.pitches)
        else:
            pitch = el.pitch.midi
        events.append((start, end, pitch))
    if finer:
        warnings.append(f"{label}: {finer} note(s) finer than a 16th were quantized to the 16th grid")
    if chords:
        warnings.append(f"{label}: {chords} chord(s) inside the part were reduced to their top note")
    length = max((e for _, e, _ in events), default=0)
    row = np.full(length, -1, dtype=np.int64)
    for start, end, pitch in events:
        row[start:end] = pitch
    return row


def score_to_grid(score, name: str, parts_needed: tuple[int, ...] = (4,), check_range: bool = True) -> ReadScore:
    """A music21 score -> ReadScore with grid (parts, time) in tokens.

    `parts_needed` lists the part counts this use accepts (4 for a full chorale,
    (1, 4) where a melody alone will do).
    """
    parts = _parts(score)
    if not parts:
        raise ScoreError(f"{name} has no parts with notes; pass a score with notes in it")
    if len(parts) not in parts_needed:
        need = " or ".join(str(n) for n in parts_needed)
        raise ScoreError(f"{name} has {len(parts)} part(s) but {need} are needed here "
                         f"({', '.join(VOICES)} from top to bottom)")
    warnings: list[str] = []
    labels = VOICES if len(parts) == 4 else [f"part {i + 1}" for i in range(len(parts))]
    rows = [part_to_row(p, warnings, label) for p, label in zip(parts, labels)]
    if all((r >= 0).sum() == 0 for r in rows):
        raise ScoreError(f"{name} contains no notes; pass a score with notes in it")
    length = max(len(r) for r in rows)
    pitches = np.full((len(rows), length), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        pitches[i, :len(r)] = r
    if check_range:
        bad = (pitches >= 0) & ((pitches < LOWEST_PITCH) | (pitches > HIGHEST_PITCH))
        if bad.any():
            v, t = np.argwhere(bad)[0]
            raise ScoreError(f"{name}: {labels[v]} has MIDI pitch {pitches[v, t]} at 16th step {t}, outside the "
                             f"model's range {LOWEST_PITCH}..{HIGHEST_PITCH}; transpose the score into range")
    return ReadScore(pitch_to_token(pitches), name, warnings)


def read_score(source: str | Path, parts_needed: tuple[int, ...] = (4,)) -> ReadScore:
    """Read MusicXML, MIDI or a music21 corpus name into a token grid (parts, time)."""
    return score_to_grid(parse_score(source), str(source), parts_needed)


def grid_to_score(grid: np.ndarray, title: str = "regen chorale"):
    """A (4, time) token grid -> music21 Score with four named parts in 4/4, its notes spelled in the key
    their pitches imply, with that key's signature (`regen.music.spelling`)."""
    from music21 import clef, duration, instrument, key, meter, metadata, note, stream

    grid = np.asarray(grid)
    voices = [[(start, length, int(token_to_pitch(np.array(token)))) for start, length, token in notes_of_voice(row)]
              for row in grid]
    found = key_of(pitch for voice in voices for _, _, pitch in voice if pitch >= 0)
    names = spelling_in(found)
    score = stream.Score()
    score.insert(0, metadata.Metadata(title=title))
    clefs = (clef.TrebleClef, clef.TrebleClef, clef.Treble8vbClef, clef.BassClef)
    for v, voice in enumerate(voices):
        part = stream.Part(id=VOICES[v])
        part.partName = VOICES[v]
        part.partAbbreviation = VOICES[v][0]
        inst = instrument.Vocalist()
        inst.partName = VOICES[v]
        part.insert(0, inst)
        part.insert(0, clefs[v % 4]())
        part.insert(0, key.KeySignature(found.sharps))
        part.insert(0, meter.TimeSignature("4/4"))
        for start, length, pitch in voice:
            el = note.Rest() if pitch < 0 else note.Note(spelled_pitch(pitch, names))
            el.duration = duration.Duration(length / STEPS_PER_QUARTER)
            part.insert(start / STEPS_PER_QUARTER, el)
        score.insert(0, part.makeMeasures())
    return score.makeNotation()


def write_midi(grid: np.ndarray, path: str | Path, title: str = "regen chorale") -> Path:
    """Write a (4, time) grid as a four-track MIDI file, atomically."""
    score = grid_to_score(grid, title)
    with atomic_path(path, ".mid") as tmp:
        score.write("midi", fp=tmp)
    return Path(path)


def write_musicxml(grid: np.ndarray, path: str | Path, title: str = "regen chorale") -> Path:
    """Write a (4, time) grid as MusicXML with four named parts, atomically."""
    score = grid_to_score(grid, title)
    with atomic_path(path, ".musicxml") as tmp:
        score.write("musicxml", fp=tmp)
    return Path(path)
