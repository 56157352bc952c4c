"""Lyrics in, melodies out: what `regen music melody` does with a trained lyrics -> melody model.

The lyric's lines are packed into chunks of at most the model's `length` syllables (a longer
line is cut), each chunk gets a melody, and the chunks are joined with a rest that brings each
chunk's first note to the position in the bar the model chose for it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

import torch

from regen.core.errors import RegenError
from regen.music.melody.model import LyricsMelodyModel
from regen.music.melody.segments import METERS, TONIC_NAMES, Segment, bar_ticks
from regen.music.melody.syllables import Syllable
from regen.music.melody.template import pitch_class
from regen.music.melody.tokens import decode_notes, lyric_tokens

_KEY = re.compile(r"^\s*([A-Ga-g])([#b-]?)\s*(m|min|minor|maj|major)?\s*$")


def parse_key(text: str) -> tuple[int, str]:
    """(tonic pitch class, mode) of 'G', 'F#', 'Bb', 'Gm', 'G minor', 'E- major'; RegenError otherwise."""
    match = _KEY.match(text)
    if match is None:
        raise RegenError(f"unknown key {text!r}; give a tonic A-G with an optional # or b and 'm' or "
                         "'minor' for minor, e.g. G, F#m, Bb major")
    letter, accidental, mode = match.groups()
    return pitch_class(letter.upper() + accidental), "minor" if mode in ("m", "min", "minor") else "major"


def parse_meter(text: str) -> str:
    """`text` when it is one of `METERS`; RegenError otherwise."""
    meter = text.strip().replace(" ", "")
    if meter not in METERS:
        raise RegenError(f"unknown meter {text!r}; choose one of {', '.join(METERS)}")
    return meter


def key_name(tonic: int, mode: str) -> str:
    return f"{TONIC_NAMES[tonic].replace('-', 'b')} {mode}"


def chunks(syllables: Sequence[Syllable], length: int) -> list[list[Syllable]]:
    """Lyric lines packed in order into chunks of at most `length` syllables; a longer line is cut."""
    lines: list[list[Syllable]] = [[]]
    for s in syllables:
        lines[-1].append(s)
        if s.line_end:
            lines.append([])
    out: list[list[Syllable]] = []
    for line in (line for line in lines if line):
        while len(line) > length:
            out.append(line[:length])
            line = line[length:]
        if out and len(out[-1]) + len(line) <= length and out[-1][-1].line_end:
            out[-1] = out[-1] + line
        else:
            out.append(line)
    return out


def join(parts: Sequence[Segment]) -> Segment:
    """One segment of consecutive parts (same key and meter): a rest before each later part puts its
    first note at that part's own position in the bar."""
    bar = bar_ticks(parts[0].meter)
    whole = parts[0]
    for part in parts[1:]:
        end = whole.onsets()[-1] + whole.durations[-1]
        gap = (part.start - end) % bar
        whole = replace(whole, rests=whole.rests + (gap,) + part.rests[1:],
                        durations=whole.durations + part.durations, pitches=whole.pitches + part.pitches,
                        ends=whole.ends + part.ends, syllables=(whole.syllables or ()) + (part.syllables or ()))
    return whole


def compose(model: LyricsMelodyModel, syllables: Sequence[Syllable], tonic: int, mode: str, meter: str, n: int,
            seed: int, temperature: float, top_k: int = 0) -> list[Segment]:
    """`n` melodies of the whole lyric, each note carrying its syllable."""
    pieces = chunks(syllables, model.length)
    rows = torch.stack([lyric_tokens(p, tonic, mode, meter, model.length) for p in pieces])
    torch.manual_seed(seed)
    melodies, _ = model.generate(rows, n, temperature, top_k)
    out = []
    for i in range(n):
        parts = [replace(decode_notes(melodies[c * n + i]), syllables=tuple(p)) for c, p in enumerate(pieces)]
        out.append(join(parts))
    return out
