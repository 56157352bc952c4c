"""A Bach-style grade for chorale grids, after the "Bach or Mock?" grading function.

For one chorale (4, time) we build normalised histograms of musical features, and
compare each with the same histogram over the real Bach training chorales:

| feature    | histogram                                                 | distance            |
| note       | scale degree (0..11 from the detected tonic), by duration | discrete-metric W1  |
| rhythm     | note durations in 16ths (1..16)                           | W1 on durations     |
| parallel   | errors per chord change: parallel 5ths/8ves, new voice    | W1 on counts 0..3+  |
|            | crossings                                                 |                     |
| harmony    | quality of each vertical sonority, by duration            | discrete-metric W1  |
| interval_X | directed melodic intervals of voice X (-12..12 semitones) | W1 on semitones     |
| repeated   | how often each 3-interval motif recurs (1..8+)            | W1 on counts        |

W1 under the discrete metric is the total-variation distance (categories have no
order). The grade is the sum; lower is more Bach-like. The key is detected with
Krumhansl-Kessler profiles and the note histogram is compared with the reference of
the same mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import wasserstein_distance

from regen.core.cache import cache_dir
from regen.core.files import atomic_path
from regen.music.grid import REST, VOICES, notes_of_voice, token_to_pitch

GRADER_VERSION = 1
FEATURES = ("note", "rhythm", "parallel", "harmony", *(f"interval_{v[0]}" for v in VOICES), "repeated")
HARMONY = ("major", "minor", "diminished", "augmented", "dominant7", "other7", "incomplete", "other")
MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_CHORDS = {frozenset({0, 4, 7}): "major", frozenset({0, 3, 7}): "minor", frozenset({0, 3, 6}): "diminished",
           frozenset({0, 4, 8}): "augmented", frozenset({0, 4, 7, 10}): "dominant7",
           frozenset({0, 3, 7, 10}): "other7", frozenset({0, 3, 6, 10}): "other7", frozenset({0, 3, 6, 9}): "other7",
           frozenset({0, 4, 7, 11}): "other7"}
SUPPORT = {"note": np.arange(12), "rhythm": np.arange(1, 17), "parallel": np.arange(4),
           "harmony": np.arange(len(HARMONY)), "repeated": np.arange(1, 9),
           **{f"interval_{v[0]}": np.arange(-12, 13) for v in VOICES}}
CATEGORICAL = {"note", "harmony"}


def detect_key(pitches: np.ndarray) -> tuple[int, str]:
    """(tonic pitch class, 'major'|'minor') of pitches (voices, time) (-1 = rest)."""
    pcs = pitches[pitches >= 0] % 12
    hist = np.bincount(pcs, minlength=12).astype(float)
    if hist.sum() == 0:
        return 0, "major"
    best = max(((np.corrcoef(hist, np.roll(prof, t))[0, 1], t, mode)
                for mode, prof in (("major", MAJOR), ("minor", MINOR)) for t in range(12)),
               key=lambda x: -np.inf if np.isnan(x[0]) else x[0])
    return best[1], best[2]


def _chord_quality(pcs: set[int]) -> str:
    if len(pcs) <= 2:
        return "incomplete"
    for root in pcs:
        name = _CHORDS.get(frozenset((p - root) % 12 for p in pcs))
        if name:
            return name
    return "other"


def _onsets(row: np.ndarray) -> np.ndarray:
    """Bool (time,): where a new note (or rest) starts in one voice row."""
    out = np.ones(row.shape, dtype=bool)
    out[1:] = row[1:] != row[:-1]
    return out


def feature_counts(grid: np.ndarray) -> tuple[dict[str, np.ndarray], str]:
    """Un-normalised histograms (over SUPPORT) of one grid (4, time), and its mode."""
    grid = np.asarray(grid)
    pitches = token_to_pitch(grid)
    tonic, mode = detect_key(pitches)
    c = {k: np.zeros(len(s)) for k, s in SUPPORT.items()}
    motifs: dict[tuple, int] = {}
    for v, row in enumerate(grid):
        notes = [(s, n, int(token_to_pitch(np.array(t)))) for s, n, t in notes_of_voice(row) if t != REST]
        for _, dur, p in notes:
            c["note"][(p - tonic) % 12] += dur
            c["rhythm"][min(dur, 16) - 1] += 1
        ps = [p for _, _, p in notes]
        steps = np.clip(np.diff(ps), -12, 12).astype(int) if len(ps) > 1 else np.zeros(0, int)
        np.add.at(c[f"interval_{VOICES[v][0]}"], steps + 12, 1)
        for i in range(len(steps) - 2):
            key = (v, *steps[i:i + 3])
            motifs[key] = motifs.get(key, 0) + 1
    for count in motifs.values():
        c["repeated"][min(count, 8) - 1] += 1
    changes = np.flatnonzero(np.any(np.diff(grid, axis=1) != 0, axis=0)) + 1
    bounds = np.concatenate([[0], changes, [grid.shape[1]]])
    for a, b in zip(bounds[:-1], bounds[1:]):
        col = pitches[:, a]
        c["harmony"][HARMONY.index(_chord_quality({int(p) % 12 for p in col if p >= 0}))] += b - a
    onset = np.stack([_onsets(r) for r in grid])
    for t in changes:
        before, after = pitches[:, t - 1], pitches[:, t]
        errors = 0
        for i in range(4):
            for j in range(i + 1, 4):
                if min(before[i], before[j], after[i], after[j]) < 0:
                    continue
                moved = before[i] != after[i] and before[j] != after[j] and onset[i, t] and onset[j, t]
                same_dir = np.sign(after[i] - before[i]) == np.sign(after[j] - before[j])
                b_int, a_int = (before[i] - before[j]) % 12, (after[i] - after[j]) % 12
                if moved and same_dir and b_int == a_int and a_int in (0, 7):
                    errors += 1
            if i < 3 and min(after[i], after[i + 1]) >= 0 and after[i] < after[i + 1] \
                    and not (before[i] >= 0 and before[i + 1] >= 0 and before[i] < before[i + 1]):
                errors += 1
        c["parallel"][min(errors, 3)] += 1
    return c, mode


def _normalise(h: np.ndarray) -> np.ndarray:
    s = h.sum()
    return h / s if s > 0 else h


@dataclass
class Reference:
    """Normalised corpus histograms; the note histogram is kept per mode."""

    hists: dict[str, np.ndarray]

    @classmethod
    def from_grids(cls, grids: list[np.ndarray]) -> "Reference":
        total: dict[str, np.ndarray] = {}
        for g in grids:
            counts, mode = feature_counts(g)
            counts[f"note_{mode}"] = counts.pop("note")
            for k, h in counts.items():
                total[k] = total.get(k, 0) + _normalise(h)
        return cls({k: _normalise(v) for k, v in total.items()})


def distance(feature: str, hist: np.ndarray, ref: np.ndarray) -> float:
    """W1 between a chorale histogram and the reference (discrete metric for categories)."""
    h = _normalise(hist)
    if h.sum() == 0:
        return 1.0 if feature in CATEGORICAL else float(np.ptp(SUPPORT[feature]))
    if feature in CATEGORICAL:
        return float(0.5 * np.abs(h - ref).sum())
    return float(wasserstein_distance(SUPPORT[feature], SUPPORT[feature], h, ref))


def grade(grid: np.ndarray, ref: Reference) -> dict[str, float]:
    """Per-feature distances and `grade` (their sum) of one grid (4, time); lower is better."""
    counts, mode = feature_counts(grid)
    out = {}
    for f in FEATURES:
        r = ref.hists.get(f"note_{mode}", ref.hists.get("note_major")) if f == "note" else ref.hists[f]
        out[f] = distance(f, counts[f], r)
    out["grade"] = float(sum(out[f] for f in FEATURES))
    return out


def reference(progress: bool = False) -> Reference:
    """The reference histograms of the training chorales, cached beside the corpus."""
    from regen.music.corpus import load_corpus

    corp = load_corpus(progress)
    path = cache_dir("music") / f"grading-ref-{corp.fingerprint}-v{GRADER_VERSION}.npz"
    if path.exists():
        with np.load(path) as z:
            return Reference({k: z[k] for k in z.files})
    ref = Reference.from_grids(corp.chorales("train"))
    with atomic_path(path, ".npz") as tmp:
        np.savez(tmp, **ref.hists)
    return ref


def summarize(grades: list[dict[str, float]]) -> dict[str, tuple[float, float]]:
    """Median and standard deviation of every key over many grades."""
    keys = grades[0].keys() if grades else []
    return {k: (float(np.median([g[k] for g in grades])), float(np.std([g[k] for g in grades]))) for k in keys}


def grade_file(path: str | Path, ref: Reference) -> dict[str, float]:
    """Grade a MusicXML/MIDI file or corpus name that holds four parts."""
    from regen.music.scores import read_score

    return grade(read_score(path, parts_needed=(4,)).grid, ref)
