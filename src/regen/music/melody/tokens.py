"""Token encodings of the three spaces of lyrics -> template -> melody.

Every sequence starts with a two-token prefix, the key (tonic x mode) and the meter; then:

- **lyrics** (X), one token per syllable: its position in the word (single/begin/middle/end, which
  also marks word boundaries), stress (0/1/2), punctuation after it (none, a pause `,;:`, a stop
  `.!?`, or their full-width forms `，、；：` `。！？`), whether it ends a lyric line, and the syllables
  in its word (1, 2, 3, 4 or more).
  No word itself is encoded, so any language works.
- **template** (Y'), four tokens per note: the rest before it, its position in the bar, its
  duration (ticks of 1/12 quarter, `regen.music.melody.segments`), and its harmony: the root
  degree 1..7 of the implied chord with the cadence it closes (none, half, full).
- **melody** (Y), four tokens per note: rest, position, duration with a phrase-end flag, and the
  pitch in semitones above the key's reference tonic (`reference_pitch`, -24..+24).

Pitches are relative to the tonic, not MIDI numbers: the key is a given (a user's `--key`, the
held-out song's key in evaluation), every melody of the corpus then teaches the same tonal
functions whatever its key (like training on all transpositions), and the written MIDI pitch is
`reference_pitch(tonic) + relative`. Unused notes of a sequence are [PAD] in every slot.

Each space has its own vocabulary (`TokenVocab`): [PAD], then one id range per kind of token.
"""

from __future__ import annotations

from typing import Sequence

import torch

from regen.core.space import Space
from regen.music.melody.segments import (MAX_BAR, MAX_DURATION, MAX_REST, METERS, PITCH_HIGH, PITCH_LOW, Segment,
                                         reference_pitch)
from regen.music.melody.syllables import PAUSES, STOPS, Syllable

PREFIX = 2
"""Key and meter tokens before the notes or syllables."""
SLOTS = 4
"""Tokens per note in the template and the melody."""
PAD = 0
POSITIONS = ("single", "begin", "middle", "end")
CADENCES = 3
SIZES = {"pad": 1, "key": 24, "meter": len(METERS), "syllable": 4 * 3 * 3 * 2 * 4, "rest": MAX_REST + 1,
         "pos": MAX_BAR, "dur": MAX_DURATION, "harm": 7 * CADENCES, "dur_end": 2 * MAX_DURATION,
         "pitch": PITCH_HIGH - PITCH_LOW + 1}
KINDS = tuple(SIZES)


class TokenVocab:
    """The ids of one space: [PAD] = 0, then a contiguous id range per kind, in the order given.

    `kind_of` (size,) holds each id's index in `KINDS`, `value_of` (size,) its value in its kind.
    """

    def __init__(self, name: str, kinds: tuple[str, ...]) -> None:
        if kinds[0] != "pad":
            raise ValueError("a vocabulary starts with pad")
        self.name, self.kinds = name, kinds
        self.offset: dict[str, int] = {}
        size = 0
        for kind in kinds:
            self.offset[kind] = size
            size += SIZES[kind]
        self.size = size
        self.kind_of = torch.cat([torch.full((SIZES[k],), KINDS.index(k)) for k in kinds])
        self.value_of = torch.cat([torch.arange(SIZES[k]) for k in kinds])

    def id(self, kind: str, value: int) -> int:
        """The id of `value` (0 <= value < SIZES[kind]) of `kind`."""
        if not 0 <= value < SIZES[kind]:
            raise ValueError(f"{kind} value {value} outside 0..{SIZES[kind] - 1}")
        return self.offset[kind] + value

    def ids(self, kind: str) -> range:
        """The token ids of one kind of value (a `SIZES` key)."""
        return range(self.offset[kind], self.offset[kind] + SIZES[kind])

    def space(self, length: int, slots: int) -> Space:
        """The space of a sequence of `length` notes or syllables of `slots` tokens each."""
        return Space(self.name, "discrete", (PREFIX + slots * length,), self.size)


LYRICS = TokenVocab("melody-lyrics", ("pad", "key", "meter", "syllable"))
TEMPLATE = TokenVocab("melody-template", ("pad", "key", "meter", "rest", "pos", "dur", "harm"))
NOTES = TokenVocab("melody-notes", ("pad", "key", "meter", "rest", "pos", "dur_end", "pitch"))


def key_value(tonic: int, mode: str) -> int:
    """The key token's value: 2 x tonic pitch class, + 1 for minor."""
    return 2 * tonic + (mode == "minor")


def key_of(value: int) -> tuple[int, str]:
    """(tonic pitch class, mode) of a key value."""
    return value // 2, ("major", "minor")[value % 2]


def syllable_value(s: Syllable) -> int:
    """The syllable token's value: position x stress x punctuation x line end x syllables in the word."""
    punctuation = 2 if any(c in STOPS for c in s.punctuation) else int(any(c in PAUSES for c in s.punctuation))
    value = POSITIONS.index(s.position)
    for part, size in ((min(s.stress, 2), 3), (punctuation, 3), (int(s.line_end), 2), (min(s.word_syllables, 4) - 1, 4)):
        value = value * size + part
    return value


def _prefix(vocab: TokenVocab, tonic: int, mode: str, meter: str) -> list[int]:
    return [vocab.id("key", key_value(tonic, mode)), vocab.id("meter", METERS.index(meter))]


def _padded(tokens: list[int], total: int) -> torch.Tensor:
    if len(tokens) > total:
        raise ValueError(f"{len(tokens)} tokens do not fit a sequence of {total}")
    return torch.tensor(tokens + [PAD] * (total - len(tokens)), dtype=torch.long)


def lyric_tokens(syllables: Sequence[Syllable], tonic: int, mode: str, meter: str, length: int) -> torch.Tensor:
    """(PREFIX + length,) lyric tokens of at most `length` syllables."""
    body = [LYRICS.id("syllable", syllable_value(s)) for s in syllables]
    return _padded(_prefix(LYRICS, tonic, mode, meter) + body, PREFIX + length)


def notes_tokens(segment: Segment, length: int) -> torch.Tensor:
    """(PREFIX + SLOTS * length,) melody tokens of a segment of at most `length` notes."""
    out = _prefix(NOTES, segment.tonic, segment.mode, segment.meter)
    for rest, pos, duration, end, pitch in zip(segment.rests, segment.positions(), segment.durations, segment.ends,
                                               segment.relative_pitches()):
        out += [NOTES.id("rest", rest), NOTES.id("pos", pos), NOTES.id("dur_end", 2 * (duration - 1) + int(end)),
                NOTES.id("pitch", pitch - PITCH_LOW)]
    return _padded(out, PREFIX + SLOTS * length)


def template_tokens(segment: Segment, length: int) -> torch.Tensor:
    """(PREFIX + SLOTS * length,) template tokens of a segment: its rhythm and rule-based harmony."""
    out = _prefix(TEMPLATE, segment.tonic, segment.mode, segment.meter)
    for rest, pos, duration, (chord, cadence) in zip(segment.rests, segment.positions(), segment.durations,
                                                     segment.harmony()):
        out += [TEMPLATE.id("rest", rest), TEMPLATE.id("pos", pos), TEMPLATE.id("dur", duration - 1),
                TEMPLATE.id("harm", CADENCES * (chord - 1) + cadence)]
    return _padded(out, PREFIX + SLOTS * length)


def _value(vocab: TokenVocab, token: int, kind: str) -> int:
    if int(vocab.kind_of[token]) != KINDS.index(kind):
        raise ValueError(f"token {token} of {vocab.name} is not a {kind} token")
    return int(vocab.value_of[token])


def decode_notes(row: torch.Tensor) -> Segment:
    """The segment of a melody token row (PREFIX + SLOTS * length,); notes end at the first [PAD] note."""
    tokens = [int(t) for t in row.tolist()]
    tonic, mode = key_of(_value(NOTES, tokens[0], "key"))
    meter = METERS[_value(NOTES, tokens[1], "meter")]
    rests, durations, pitches, ends = [], [], [], []
    start = 0
    base = reference_pitch(tonic)
    for k in range(PREFIX, len(tokens), SLOTS):
        if tokens[k] == PAD:
            break
        rest, pos, dur_end, pitch = tokens[k:k + SLOTS]
        if k == PREFIX:
            start = _value(NOTES, pos, "pos")
        rests.append(_value(NOTES, rest, "rest") if k > PREFIX else 0)
        value = _value(NOTES, dur_end, "dur_end")
        durations.append(value // 2 + 1)
        ends.append(bool(value % 2))
        pitches.append(base + PITCH_LOW + _value(NOTES, pitch, "pitch"))
    if not durations:
        raise ValueError("a melody row without notes")
    return Segment(tonic, mode, meter, start, tuple(rests), tuple(durations), tuple(pitches), tuple(ends))
