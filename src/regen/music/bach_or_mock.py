"""The published "Bach or Mock?" grade (Fang, Liu, Seetharaman & Pardo, 2020), exactly.

A chorale is compared feature by feature with the reference statistics the authors published
(shipped in `data/bach_or_mock/distributions.json`); each comparison is a 1-D Wasserstein
distance and the grade is their plain sum: 0 for a chorale whose histograms are Bach's, larger
is less Bach-like. The nine features, in the authors' names and order:

- `note`, `harmonic_quality`, `S/A/T/B_directed_interval`: compared with Bach's chorales of
  the chorale's own mode (music21's `analyze("key")`).
- categorical features: the categories are laid out at 0, 1, 2, ... in the order of Bach's
  frequency (most common first, ties in the reference file's order), followed by the
  categories Bach never uses, the chorale's least common first, where Bach has no mass.
- `parallel_error`: that distance times the chorale's parallel errors per note over Bach's
  (so a chorale without parallels scores 0).
- `repeated_sequence`: the axis is the sequence length in 16ths; a chorale without repeats
  puts its mass at length 0.

A score is graded as music21 parses it: a tied note counts as its tied pieces (notes,
durations, unison intervals), which is what reproduces the published test vectors. A feature
whose histogram is empty (no key, no interval in a voice) cannot be compared: it and the grade
are infinite, as the published code grades a chorale it cannot measure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import wasserstein_distance

from regen.music import bach_or_mock_features as feats
from regen.music.scores import ScoreError

FEATURES = ("note", "rhythm", "parallel_error", "harmonic_quality", "S_directed_interval", "A_directed_interval",
            "T_directed_interval", "B_directed_interval", "repeated_sequence")
BY_MODE = ("note", "harmonic_quality", "S_directed_interval", "A_directed_interval", "T_directed_interval",
           "B_directed_interval")
REPEATED_SEQUENCE_KEY = "repeated_sequence_2"  # the authors' name for the per-voice variant they grade with


@dataclass(frozen=True)
class BachOrMockReference:
    """The published Bach statistics: every feature's distribution (category -> probability, in
    the file's order), Bach's parallel errors per note and the voices' MIDI ranges."""

    distributions: dict[str, dict[str, float]]
    parallel_error_note_ratio: float
    voice_ranges: tuple[tuple[int, int], ...]

    def distribution(self, feature: str, mode: str) -> dict[str, float]:
        """Bach's distribution of `feature` (for chorales in `mode` where the grader splits)."""
        name = REPEATED_SEQUENCE_KEY if feature == "repeated_sequence" else feature
        if feature in BY_MODE:
            name = f"{mode}_{name}"
        return self.distributions.get(f"{name}_distribution", {})


@lru_cache(maxsize=1)
def load_reference() -> BachOrMockReference:
    """The published reference, read from the package data."""
    text = resources.files("regen.music").joinpath("data/bach_or_mock/distributions.json").read_text()
    data = json.loads(text)
    scalars = data.pop("_scalars")
    return BachOrMockReference(distributions=data,
                               parallel_error_note_ratio=float(scalars["parallel_error_note_ratio"]),
                               voice_ranges=tuple((int(lo), int(hi)) for lo, hi in scalars["voice_ranges_midi"]))


def categorical_distance(chorale: dict[str, float], bach: dict[str, float]) -> float:
    """Wasserstein distance between a chorale's and Bach's histograms of one feature, the
    categories ranked as the published grader ranks them (module docstring); inf when the
    chorale's histogram is empty."""
    total = float(sum(chorale.values()))
    if total <= 0:
        return float("inf")
    order = sorted(bach, key=lambda k: -bach[k])  # stable: ties keep the reference's order
    extras = sorted(v / total for k, v in chorale.items() if k not in bach)
    mine = [chorale.get(k, 0) / total for k in order] + extras
    theirs = [bach[k] for k in order] + [0.0] * len(extras)
    axis = np.arange(len(mine))
    return float(wasserstein_distance(axis, axis, mine, theirs))


def length_distance(chorale: dict[int, float], bach: dict[str, float]) -> float:
    """Wasserstein distance between distributions over sequence length (16ths); a chorale with
    no repeated sequence puts its mass at length 0."""
    bach_lengths = {int(float(k)): v for k, v in bach.items()}
    top = max([*chorale, *bach_lengths])
    mine, theirs = np.zeros(top + 1), np.zeros(top + 1)
    for length, count in chorale.items():
        mine[length] = count
    for length, p in bach_lengths.items():
        theirs[length] = p
    if mine.sum() <= 0:
        mine[0] = 1.0
    axis = np.arange(top + 1)
    return float(wasserstein_distance(axis, axis, mine / mine.sum(), theirs))


def _parallel_error_distance(score: Any, ref: BachOrMockReference) -> float:
    errors = feats.parallel_error_histogram(score)
    count = sum(errors.values())
    if count == 0:
        return 0.0
    ratio = count / len(score.flatten().notes)
    return categorical_distance(errors, ref.distribution("parallel_error", "")) * ratio / ref.parallel_error_note_ratio


def feature_histograms(score: Any) -> tuple[dict[str, Any], str]:
    """(feature -> histogram of the chorale, the analysed mode) of a four-part score."""
    key = score.analyze("key")
    out: dict[str, Any] = {"note": feats.note_histogram(score, key), "rhythm": feats.rhythm_histogram(score),
                           "harmonic_quality": feats.harmonic_quality_histogram(score),
                           "repeated_sequence": feats.repeated_sequence_histogram(score)}
    for voice, letter in enumerate(feats.VOICE_LETTERS):
        out[f"{letter}_directed_interval"] = feats.interval_histogram(score, voice)
    return out, key.mode


def grade_score(score: Any, ref: BachOrMockReference | None = None) -> dict[str, float]:
    """The published grade of a four-part music21 score (soprano first), graded as given:
    {"grade": sum, feature: distance for each of FEATURES}."""
    from music21.analysis.discrete import DiscreteAnalysisException

    ref = ref or load_reference()
    if len(score.parts) != 4:
        raise ScoreError(f"a chorale needs 4 parts (soprano, alto, tenor, bass), this score has {len(score.parts)}")
    try:
        histograms, mode = feature_histograms(score)
    except DiscreteAnalysisException:
        return {"grade": float("inf"), **{f: float("inf") for f in FEATURES}}
    out = {"parallel_error": _parallel_error_distance(score, ref)}
    for feature, counts in histograms.items():
        bach = ref.distribution(feature, mode)
        out[feature] = (length_distance(counts, bach) if feature == "repeated_sequence"
                        else categorical_distance(counts, bach))
    return {"grade": float(sum(out.values())), **{f: out[f] for f in FEATURES}}


def _read(path: Path) -> Any:
    from music21 import converter, stream

    if not path.is_file():
        raise ScoreError(f"score file {path} does not exist; pass a MusicXML or MIDI file")
    try:
        score = converter.parse(str(path))
    except Exception as exc:  # noqa: BLE001 - music21 raises many unrelated types for unreadable input
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
        raise ScoreError(f"cannot read {path} as MusicXML or MIDI ({first})") from None
    if not isinstance(score, stream.Score):
        raise ScoreError(f"{path} holds no four-part score; pass a MusicXML or MIDI chorale")
    return score


def grade_file(path: str | Path, ref: BachOrMockReference | None = None) -> dict[str, float]:
    """The published grade of a four-part MusicXML or MIDI file, graded as parsed."""
    return grade_score(_read(Path(path)), ref)


def grade_grid(grid: np.ndarray, ref: BachOrMockReference | None = None) -> dict[str, float]:
    """The published grade of a (4, time) token grid as `regen` writes it to MusicXML (equal
    neighbouring tokens merge into one note; a duration no single note value spells, such as
    five 16ths, is written as tied notes, which the published grader counts one by one)."""
    from music21 import converter
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    from regen.music.scores import grid_to_score

    grid = np.asarray(grid)
    if grid.ndim != 2 or grid.shape[0] != 4:
        raise ScoreError(f"a chorale grid has shape (4, time), got {grid.shape}")
    written = GeneralObjectExporter(grid_to_score(grid)).parse()
    return grade_score(converter.parseData(written, format="musicxml"), ref)
