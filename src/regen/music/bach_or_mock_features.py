"""The nine histograms of the published "Bach or Mock?" grader, measured on one chorale.

Every function takes a four-part music21 score, as parsed (a tied note counts as its tied
pieces, as in the published test vectors), and returns a `Counter` over the categories of the
published reference, named as in `distributions.json`:

| histogram         | category                                        | counts                      |
| note              | scale degree in the key, `"7:sharp"`; `"Rest"`  | 16ths sounding (truncated)  |
| rhythm            | quarter length, `"1.0"`                         | notes and rests             |
| harmonic_quality  | chord-symbol type, `"unidentifiable"` if none   | chordified sonorities       |
| directed interval | music21 directed name of one voice, `"M-2"`     | all but the voice's first   |
| parallel_error    | `"Prl-8ve"`, `"Prl-5th"`                        | voice pairs moving together |
| repeated_sequence | length in 16ths, `12`                           | recurring runs, all voices  |
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import pairwise
from typing import Any

import numpy as np

TICK = 0.25  # quarter lengths per 16th
HOLD = "__"  # a 16th during which the previous note or rest still sounds
VOICE_LETTERS = ("S", "A", "T", "B")


def note_histogram(score: Any, key: Any) -> Counter:
    """16ths per scale degree (+ accidental) in `key`; rests (and chords) as `"Rest"`."""
    hist: Counter = Counter()
    for el in score.flatten().notesAndRests:
        ticks = int(el.duration.quarterLength / TICK)
        if el.isNote:
            degree, accidental = key.getScaleDegreeAndAccidentalFromPitch(el.pitch)
            hist[f"{degree}:{accidental.name}" if accidental is not None else str(degree)] += ticks
        else:
            hist["Rest"] += ticks
    return hist


def rhythm_histogram(score: Any) -> Counter:
    """How many notes and rests have each quarter length (`"0.5"`, `"1.0"`, ...)."""
    return Counter(str(float(el.duration.quarterLength)) for el in score.flatten().notesAndRests)


def harmonic_quality_histogram(score: Any) -> Counter:
    """Chord-symbol type (root ignored) of every sonority of the chordified score."""
    from music21 import chord, harmony

    hist: Counter = Counter()
    for sonority in score.chordify().flatten().getElementsByClass(chord.Chord):
        figure, kind = harmony.chordSymbolFigureFromChord(sonority, True)
        hist["unidentifiable" if figure == "Chord Symbol Cannot Be Identified" else kind] += 1
    return hist


def interval_histogram(score: Any, voice: int) -> Counter:
    """Directed melodic intervals of one voice (0 = soprano); as published, the voice's first
    interval is left out and no interval spans a rest."""
    return Counter(i.directedName for i in list(score.parts[voice].melodicIntervals())[1:])


def _has_fermata(el: Any) -> bool:
    from music21 import expressions

    return any(isinstance(e, expressions.Fermata) for e in el.expressions)


def _moves_into(bottom: Any, offset: float) -> tuple[Any, Any] | None:
    """The bottom voice's (previous note, note) when a note starts at `offset` right where the
    previous note ends; None otherwise."""
    from music21 import note

    starting = bottom.getElementsByOffset(offset, classList=[note.Note])
    if len(starting) == 0:
        return None
    second = starting[0]
    first = bottom.getElementBeforeOffset(second.offset, classList=[note.Note])
    if first is None or first.offset + first.duration.quarterLength != second.offset:
        return None
    return first, second


def parallel_error_histogram(score: Any) -> Counter:
    """Parallel unisons/octaves and fifths between every pair of voices, where both voices move
    from adjacent notes into notes that start together; none out of a note under a fermata."""
    from music21.voiceLeading import VoiceLeadingQuartet

    hist: Counter = Counter({"Prl-8ve": 0, "Prl-5th": 0})
    parts = list(score.parts)
    for t in range(len(parts) - 1):
        top = list(parts[t].flatten().notes)
        for b in range(t + 1, len(parts)):
            bottom = parts[b].flatten()
            for top1, top2 in pairwise(top):
                if top1.offset + top1.duration.quarterLength != top2.offset:
                    continue
                pair = _moves_into(bottom, top2.offset)
                if pair is None or _has_fermata(top1) or _has_fermata(pair[0]):
                    continue
                quartet = VoiceLeadingQuartet(top1, top2, pair[0], pair[1])
                hist["Prl-8ve"] += bool(quartet.parallelUnisonOrOctave())
                hist["Prl-5th"] += bool(quartet.parallelFifth())
    return hist


def hold_sequence(part: Any) -> list[str]:
    """One voice as 16ths: each note's `nameWithOctave` (a rest `"rest"`, any chord `"chord"`)
    followed by a `"__"` for each further 16th it lasts; laid end to end, as published."""
    ticks: list[str] = []
    for el in part.flatten().notesAndRests:
        ticks.append("rest" if el.isRest else el.nameWithOctave if el.isNote else "chord")
        ticks.extend([HOLD] * int(el.duration.quarterLength / TICK - 1.0))
    return ticks


def encode_voices(voices: list[list[str]]) -> list[str]:
    """Each voice's ticks as a string of one character per tick (one alphabet for all voices,
    the hold `"__"` as NUL), so that runs compare as substrings."""
    alphabet = {HOLD: "\0"}
    for ticks in voices:
        for t in ticks:
            alphabet.setdefault(t, chr(len(alphabet) + 32))
    return ["".join(alphabet[t] for t in ticks) for ticks in voices]


def _match_lengths(text: str) -> np.ndarray:
    """(n, n) matrix: at [i, j], j > i, over how many ticks the runs ending at i and at j
    match; a run never starts on a hold."""
    n = len(text)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    held = codes == 0
    run = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        prev = run[i - 1, i:n - 1] if i else np.zeros(n - 1, dtype=np.int64)
        equal = codes[i + 1:] == codes[i]
        run[i, i + 1:] = np.where(equal & ~(held[i] & (prev == 0)), prev + 1, 0)
    return run


def voice_repeats(text: str) -> dict[str, int]:
    """The repeated sequences of one encoded voice -> how often each occurs.

    Every pair of positions whose runs match over L ticks counts once each sequence of length
    1..L ending there that begins on a note or rest and holds at least two of them; a sequence
    inside a longer one counted equally often is dropped; a sequence counted c times occurs
    f times, f (f - 1) / 2 = c.
    """
    run = _match_lengths(text)
    counts: Counter = Counter()
    for i in range(len(text)):
        row = run[i, i + 1:]
        if not row.size or row.max() == 0:
            continue
        at_least = np.cumsum(np.bincount(row)[::-1])[::-1]  # at_least[L]: pairs matching over >= L ticks
        for length in range(1, len(at_least)):
            seq = text[i - length + 1:i + 1]
            if seq[0] != "\0" and len(seq) - seq.count("\0") > 1:
                counts[seq] += int(at_least[length])
    by_count: dict[int, list[str]] = defaultdict(list)
    for seq, c in counts.items():
        by_count[c].append(seq)
    kept = [seq for group in by_count.values() for seq in group
            if not any(len(other) > len(seq) and seq in other for other in group)]
    return {seq: int((1 + np.sqrt(1 + 8 * counts[seq])) / 2) for seq in kept}


def repeated_sequence_histogram(score: Any) -> Counter:
    """Sequence length (16ths) -> occurrences of repeated sequences that long, over the voices.

    As published, a sequence found in several voices counts once, with the frequency found in
    the last of them (the voices' findings are merged as a dictionary).
    """
    merged: dict[str, int] = {}
    for text in encode_voices([hold_sequence(part) for part in score.parts]):
        merged.update(voice_repeats(text))
    hist: Counter = Counter()
    for seq, freq in merged.items():
        hist[len(seq)] += freq
    return hist
