"""The "Bach or Mock?" grading function (Fang, Liu, Seetharaman & Pardo, 2020), as published.

A chorale is graded feature by feature against the distribution of that feature over the
Bach corpus; lower is more Bach-like. Nine features, as in the paper's Table 1 and the
thesis' Table 8.2 (where the four voice intervals are averaged for brevity):

| feature            | histogram of one chorale                                          | split by mode |
| note               | scale degree and accidental in the analysed key, in 16th ticks;    | yes           |
|                    | rests as one category                                             |               |
| rhythm             | durations (quarter lengths) of notes and rests                    | no            |
| parallel_error     | parallel unisons/octaves and parallel fifths between every pair    | no            |
|                    | of voices (not from a note under a fermata)                        |               |
| harmonic_quality   | chord-symbol quality of each vertical sonority (chordify)          | yes           |
| S/A/T/B_interval   | directed melodic intervals ('M2', 'm-3', ...) of one voice         | yes           |
| repeated_sequence  | lengths (in 16th ticks) of sequences that recur within a voice,    | no            |
|                    | weighted by how often they recur, summed over the voices           |               |

The distance is the published one: both histograms are normalised and laid out on one axis,
the categories ranked by Bach's frequency (most common first; categories Bach never uses
follow, the chorale's smallest first, where Bach has no mass), and compared with scipy's 1-D
Wasserstein distance; for repeated sequences the axis is the sequence length in ticks. The
parallel-error distance is scaled by the chorale's errors per note over Bach's errors per
note, so a chorale without parallels scores 0. The grade is the sum of the nine.
Repeated sequences are found in each voice and summed over the voices, for the chorale and
for the reference alike.

References are built from the training chorales, either from the music21 scores themselves
(`kind="scores"`, the published setting) or from the same chorales rebuilt through the
16th-note grid (`kind="grids"`, the pipeline every model output goes through: repeated
notes merge, fermatas vanish). Grids are graded against the grid reference.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy.stats import wasserstein_distance

from regen.core.cache import cache_dir
from regen.core.files import atomic_write_text

GRADER_VERSION = 2
VOICE_INTERVALS = ("S_interval", "A_interval", "T_interval", "B_interval")
FEATURES = ("note", "rhythm", "parallel_error", "harmonic_quality", *VOICE_INTERVALS, "repeated_sequence")
BY_MODE = ("note", "harmonic_quality", *VOICE_INTERVALS)
TICK = 0.25  # quarter lengths per 16th tick
ReferenceKind = Literal["scores", "grids"]


def _notes(part: Any) -> list:
    return list(part.flatten().notes)


def _has_fermata(note: Any) -> bool:
    return any(type(e).__name__ == "Fermata" for e in note.expressions)


def _hold_sequence(part: Any, length: int) -> list[str]:
    """A voice as 16th ticks: the pitch name at an onset, 'Rest' for a rest, '__' while held."""
    ticks = ["Rest"] * length
    for el in part.flatten().notesAndRests:
        start, dur = round(float(el.offset) / TICK), max(1, round(float(el.duration.quarterLength) / TICK))
        if start >= length:
            continue
        ticks[start] = el.pitch.nameWithOctave if el.isNote else "Rest"
        for t in range(start + 1, min(start + dur, length)):
            ticks[t] = "__"
    return ticks


def repeated_sequences(ticks: list[str]) -> Counter:
    """Sequence length (ticks) -> how often sequences of that length recur in one voice.

    For every pair of positions i < j, the runs of equal ticks ending there (the repeat) yield
    their substrings ending at i that start on an onset and hold at least two onsets; substrings contained in
    a longer one that recurs equally often are dropped; a sequence counted c times over the
    pairs of positions occurs f times with f (f - 1) / 2 = c.
    """
    n = len(ticks)
    codes = np.unique(np.array(ticks, dtype=object).astype(str), return_inverse=True)[1]
    hold = np.array([t == "__" for t in ticks])
    run = np.zeros((n + 1, n + 1), dtype=np.int64)  # run[i+1, j+1]: equal ticks ending at i and j
    for i in range(n):
        same = codes[i] == codes[i + 1:]
        prev = run[i, i + 1:n]
        run[i + 1, i + 2:] = np.where(same & ~(hold[i] & (prev == 0)), prev + 1, 0)
    pairs: Counter = Counter()
    for i in range(n):
        for j in range(i + 1, n):
            length = run[i + 1, j + 1]
            if length == 0:
                continue
            for k in range(length):
                seq = tuple(ticks[i - k:i + 1])
                if seq[0] != "__" and sum(t != "__" for t in seq) > 1:
                    pairs[seq] += 1
    kept = dict(pairs)
    for seq in sorted(pairs, key=len, reverse=True):
        if seq not in kept:
            continue
        for other in [s for s in kept if len(s) < len(seq) and kept[s] == kept[seq]]:
            if any(seq[p:p + len(other)] == other for p in range(len(seq) - len(other) + 1)):
                del kept[other]
    out: Counter = Counter()
    for seq, c in kept.items():
        out[len(seq)] += int((1 + np.sqrt(1 + 8 * c)) / 2)
    return out


def parallel_errors(score: Any) -> Counter:
    """Parallel unisons/octaves ('Prl-8ve') and fifths ('Prl-5th') between every pair of voices,
    checked where both voices move to new notes at the same offset; none from a fermata."""
    from music21 import note as m21note
    from music21.voiceLeading import VoiceLeadingQuartet

    found: Counter = Counter({"Prl-8ve": 0, "Prl-5th": 0})
    parts = list(score.parts)
    for a in range(len(parts) - 1):
        top = _notes(parts[a])
        for b in range(a + 1, len(parts)):
            bottom = {float(n.offset): n for n in _notes(parts[b]) if isinstance(n, m21note.Note)}
            ends = {float(n.offset + n.duration.quarterLength): n for n in bottom.values()}
            for t1, t2 in zip(top, top[1:]):
                at = float(t2.offset)
                if float(t1.offset + t1.duration.quarterLength) != at or at not in bottom or at not in ends:
                    continue
                b1, b2 = ends[at], bottom[at]
                if _has_fermata(t1) or _has_fermata(b1):
                    continue
                quartet = VoiceLeadingQuartet(t1, t2, b1, b2)
                found["Prl-8ve"] += bool(quartet.parallelUnisonOrOctave())
                found["Prl-5th"] += bool(quartet.parallelFifth())
    return found


def chorale_histograms(score: Any) -> tuple[dict[str, Counter], str, int]:
    """(feature -> Counter of categories, the analysed mode, number of notes) of a 4-part score."""
    from music21 import chord, harmony, interval

    key = score.analyze("key")
    flat = score.flatten()
    hists: dict[str, Counter] = {f: Counter() for f in FEATURES}
    for el in flat.notesAndRests:
        ticks = int(float(el.duration.quarterLength) / TICK)
        if el.isNote:
            degree, accidental = key.getScaleDegreeAndAccidentalFromPitch(el.pitch)
            hists["note"][f"{degree}{accidental.modifier if accidental else ''}"] += ticks
        elif el.isRest:
            hists["note"]["Rest"] += ticks
        hists["rhythm"][str(float(el.duration.quarterLength))] += 1
    for c in score.chordify().flatten().getElementsByClass(chord.Chord):
        figure = harmony.chordSymbolFigureFromChord(c, True)
        hists["harmonic_quality"]["unidentifiable" if figure[0] == "Chord Symbol Cannot Be Identified"
                                  else figure[1]] += 1
    length = round(float(score.highestTime) / TICK)
    for name, part in zip(VOICE_INTERVALS, score.parts):
        notes = [n for n in _notes(part) if n.isNote]
        hists[name].update(interval.Interval(n1, n2).directedName for n1, n2 in zip(notes, notes[1:]))
        hists["repeated_sequence"].update(repeated_sequences(_hold_sequence(part, length)))
    hists["parallel_error"] = parallel_errors(score)
    return hists, key.mode, len(flat.notes)


def _normalised(hist: Counter) -> dict[str, float]:
    total = float(sum(hist.values()))
    return {str(k): (v / total if total else 0.0) for k, v in hist.items()}


def published_distance(chorale: dict[str, float], bach: dict[str, float]) -> float:
    """The grader's distance: 1-D Wasserstein distance between the two distributions laid out on
    an axis of categories ranked by Bach's frequency (most common at 0); categories Bach never
    uses follow, the chorale's smallest first, where Bach has no mass."""
    order = sorted(bach, key=lambda k: (-bach[k], k))
    extras = sorted(v for k, v in chorale.items() if k not in bach)
    mine = [chorale.get(k, 0.0) for k in order] + extras
    theirs = [bach[k] for k in order] + [0.0] * len(extras)
    if sum(mine) <= 0 or sum(theirs) <= 0:
        return 0.0
    axis = np.arange(len(mine))
    return float(wasserstein_distance(axis, axis, mine, theirs))


def _by_length(chorale: dict[str, float], bach: dict[str, float]) -> float:
    """Wasserstein distance between distributions over sequence length (ticks); a chorale with
    no repeated sequence puts its mass at length 0."""
    top = max([int(k) for k in [*chorale, *bach]] or [0])
    mine, theirs = np.zeros(top + 1), np.zeros(top + 1)
    for k, v in chorale.items():
        mine[int(k)] = v
    for k, v in bach.items():
        theirs[int(k)] = v
    if mine.sum() <= 0:
        mine[0] = 1.0
    axis = np.arange(top + 1)
    return float(wasserstein_distance(axis, axis, mine, theirs))


class Reference:
    """Bach's distribution of every feature (per mode where the grader splits by mode) and
    Bach's parallel errors per note."""

    def __init__(self, distributions: dict[str, dict[str, float]], parallel_per_note: float, kind: str) -> None:
        self.distributions, self.parallel_per_note, self.kind = distributions, parallel_per_note, kind

    @classmethod
    def from_histograms(cls, chorales: list[tuple[dict[str, Counter], str, int]], kind: str) -> "Reference":
        """Sum the per-chorale (histograms, mode, notes) of `chorale_histograms` into distributions."""
        totals: dict[str, Counter] = {}
        errors = notes = 0
        for hists, mode, count in chorales:
            for feature, hist in hists.items():
                totals.setdefault(f"{mode}_{feature}" if feature in BY_MODE else feature, Counter()).update(hist)
            errors += sum(hists["parallel_error"].values())
            notes += count
        return cls({k: _normalised(v) for k, v in totals.items()}, errors / max(notes, 1), kind)

    def to_json(self) -> str:
        return json.dumps({"distributions": self.distributions, "parallel_per_note": self.parallel_per_note,
                           "kind": self.kind})

    @classmethod
    def from_json(cls, text: str) -> "Reference":
        data = json.loads(text)
        return cls(data["distributions"], data["parallel_per_note"], data["kind"])


def grade_score(score: Any, ref: Reference) -> dict[str, float]:
    """Every feature's distance and the overall `grade` (their sum) of a four-part music21 score;
    a score whose key cannot be analysed (e.g. no notes) grades infinitely far, as published."""
    from music21.analysis.discrete import DiscreteAnalysisException

    try:
        hists, mode, notes = chorale_histograms(score)
    except DiscreteAnalysisException:
        return {**{f: float("inf") for f in FEATURES}, "grade": float("inf")}
    out: dict[str, float] = {}
    for feature in FEATURES:
        bach = ref.distributions.get(f"{mode}_{feature}" if feature in BY_MODE else feature, {})
        mine = _normalised(hists[feature])
        if feature == "repeated_sequence":
            out[feature] = _by_length(mine, bach)
        elif feature == "parallel_error":
            ratio = sum(hists[feature].values()) / max(notes, 1)
            out[feature] = published_distance(mine, bach) * ratio / max(ref.parallel_per_note, 1e-12) if ratio else 0.0
        else:
            out[feature] = published_distance(mine, bach)
    out["grade"] = float(sum(out[f] for f in FEATURES))
    return out


def grade(grid: np.ndarray, ref: Reference) -> dict[str, float]:
    """Grade a chorale grid (4, time) through the score it is written as."""
    from regen.music.scores import grid_to_score

    return grade_score(grid_to_score(np.asarray(grid)), ref)


def _training_chorale_histograms(job: tuple[str, int]) -> tuple[dict[str, Counter], str, int]:
    """Histograms of training chorale `index`, from its score (`scores`) or its grid (`grids`)."""
    from music21 import corpus

    from regen.music.corpus import load_corpus
    from regen.music.scores import grid_to_score

    kind, index = job
    corp = load_corpus(progress=False)
    return chorale_histograms(corpus.parse(corp.names[index]) if kind == "scores" else grid_to_score(corp.grids[index]))


def reference(kind: ReferenceKind = "grids", progress: bool = True) -> Reference:
    """Bach's distributions over the training chorales (cached; built once on every CPU core, minutes,
    under a progress bar unless `progress` is False): from the music21 scores (`scores`) or from the
    same chorales rebuilt through the grid (`grids`)."""
    import multiprocessing
    import os
    import sys

    from regen.core.progress import progress as bar
    from regen.music.corpus import load_corpus

    corp = load_corpus(progress)
    path = cache_dir("music") / f"bach-mock-{kind}-{corp.fingerprint}-v{GRADER_VERSION}.json"
    if path.is_file():
        return Reference.from_json(path.read_text())
    if progress:
        print(f"building the Bach-or-Mock grading reference (once; cached at {path})", file=sys.stderr, flush=True)
    jobs = [(kind, int(i)) for i in corp.split["train"]]
    with multiprocessing.get_context("fork").Pool(max(1, min(4, os.cpu_count() or 1))) as pool:
        chorales = list(bar(pool.imap(_training_chorale_histograms, jobs, chunksize=8), total=len(jobs),
                            desc=f"Bach reference ({kind})", unit="chorale", enabled=progress))
    ref = Reference.from_histograms(chorales, kind)
    atomic_write_text(path, ref.to_json())
    return ref


def summarize(grades: list[dict[str, float]]) -> dict[str, tuple[float, float]]:
    """Median and standard deviation of every key over many grades."""
    keys = grades[0].keys() if grades else []
    return {k: (float(np.median([g[k] for g in grades])), float(np.std([g[k] for g in grades]))) for k in keys}


def grade_file(path: str | Path, ref: Reference) -> dict[str, float]:
    """Grade a MusicXML/MIDI file or corpus name that holds four parts, through the grid."""
    from regen.music.scores import read_score

    return grade(read_score(path, parts_needed=(4,)).grid, ref)
