"""How close generated melodies come to the real ones, as TeleMelody reports, plus lyric fit.

Per held-out segment, the generated melody against the real melody of the same lyrics (both in
the song's key, pitches relative to its tonic), averaged over segments:

- `pd`, `dd`: pitch and duration distribution similarity (TeleMelody/SongMASS): the overlap
  sum_k min(p_k, q_k) of the two normalised histograms of note pitches (duration values in
  ticks); 1 for the same distribution.
- `md`: melody distance (TeleMelody's `cal_dtw`): both pitch sequences sampled every 16th
  (a rest holds the pitch before it), each minus its own mean (key and register normalised),
  dynamic time warping with |a - b| costs, divided by the generated sequence's length; 0 for
  the same melody.
- `alignment`: rhythm-syllable alignment, the share of the real melody's syllables whose
  generated note starts at the same position in the bar as the real one.

Per melody with its lyrics, averaged over segments:

- `stress_on_strong`: the share of stressed syllables of words of two or more syllables that
  start on a strong beat: the downbeat, and in quadruple meters (4/4, 4/2, 4/8, 12/8) the middle
  of the bar (`strong_beat`).
- `cadence`: cadence accuracy at lyric phrase ends (punctuation or a line end) before the segment's
  last syllable: the share whose note ends a phrase by the template's musical rules (before a rest,
  a long note closing its bar), on the tonic when the punctuation ends a sentence (`.!?`).
- `in_key`: the share of notes in the key's scale (minor: natural minor with raised 6th and 7th).

Over all segments at once (the one-voice features of the Bach-or-Mock grader,
`regen.music.bach_or_mock`): `note_distance` (scale degree with alteration, weighted by duration,
rests one category) and `interval_distance` (directed semitone intervals), each the grader's
published distance to the histograms of the real training melodies, per mode, weighted by the
segments of each mode; lower is closer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Sequence

import numpy as np

from regen.music.bach_or_mock import categorical_distance
from regen.music.melody.melodies import accent_weight
from regen.music.melody.segments import TICKS, Segment
from regen.music.melody.syllables import Syllable
from regen.music.melody.template import SCALES, scale_degree
from regen.music.melody.tokens import STOPS

SAMPLE = TICKS // 4
"""Ticks between two samples of a pitch sequence (a 16th)."""
ONE_VOICE = ("note", "interval")
METRICS = ("pd", "dd", "md", "alignment", "stress_on_strong", "cadence", "in_key", "note_distance",
           "interval_distance")


def overlap(a: Counter, b: Counter) -> float:
    """sum_k min(p_k, q_k) of the normalised histograms `a` and `b` (0 when either is empty)."""
    ta, tb = sum(a.values()), sum(b.values())
    if not ta or not tb:
        return 0.0
    return float(sum(min(a[k] / ta, b[k] / tb) for k in a.keys() & b.keys()))


def pitch_line(segment: Segment) -> np.ndarray:
    """(steps,) relative pitch sounding every `SAMPLE` ticks from the first onset; rests hold the pitch before."""
    out: list[int] = []
    for rest, duration, pitch in zip(segment.rests, segment.durations, segment.relative_pitches()):
        out += [out[-1] if out else pitch] * rest + [pitch] * duration
    return np.asarray(out[::SAMPLE], dtype=np.float64)


def dtw(a: np.ndarray, b: np.ndarray) -> float:
    """Dynamic-time-warping cost between sequences a (n,) and b (m,) with |a_i - b_j| steps: the least
    sum of costs along a path from (0, 0) to (n - 1, m - 1) by unweighted steps (1, 1), (1, 0), (0, 1)
    (`librosa.sequence.dtw` with its defaults)."""
    import librosa

    accumulated = librosa.sequence.dtw(C=np.abs(a[:, None] - b[None, :]), backtrack=False)
    return float(accumulated[-1, -1])


def melody_distance(generated: Segment, real: Segment) -> float:
    """TeleMelody's MD: DTW of the mean-centred 16th-note pitch lines over the generated line's length."""
    a, b = pitch_line(generated), pitch_line(real)
    return dtw(a - a.mean(), b - b.mean()) / len(a)


def alignment(generated: Segment, real: Segment) -> float:
    """Share of the real syllables whose generated note starts at the real note's position in the bar."""
    return sum(g == r for g, r in zip(generated.positions(), real.positions())) / len(real)


def _syllables(segment: Segment) -> tuple[Syllable, ...]:
    if segment.syllables is None:
        raise ValueError("lyric metrics need a segment that carries its syllables")
    return segment.syllables


def strong_beat(meter: str, ticks: int) -> bool:
    """Whether a position `ticks` after the bar line is a strong beat of `meter`: the downbeat (music21
    accent weight 1), or the half bar of a quadruple meter (weight 0.5 there; in 3/4 or 2/4 every beat
    after the first also weighs 0.5, and those are weak)."""
    weight = accent_weight(meter, ticks / TICKS)
    return weight >= 1.0 or (weight >= 0.5 and int(meter.split("/")[0]) in (4, 12))


def stress_on_strong(segment: Segment) -> float | None:
    """Share of stressed syllables of polysyllabic words on strong beats (None: no such syllable)."""
    hits = [strong_beat(segment.meter, p)
            for p, s in zip(segment.positions(), _syllables(segment)) if s.word_syllables > 1 and s.stress == 1]
    return sum(hits) / len(hits) if hits else None


def cadence_accuracy(segment: Segment) -> float | None:
    """Share of lyric phrase ends sung on a musical phrase end (on the tonic at a sentence end). The
    segment's last syllable is left out: the rules close a phrase on the last note whatever is sung."""
    plain = replace(segment, ends=(False,) * len(segment), syllables=None)
    closing = [cadence for _, cadence in plain.harmony()]
    hits = [closing[k] == 2 if any(c in STOPS for c in s.punctuation) else closing[k] > 0
            for k, s in enumerate(_syllables(segment)[:-1]) if s.line_end or s.punctuation]
    return sum(hits) / len(hits) if hits else None


def in_key(segment: Segment) -> float:
    """Share of notes in the scale of the segment's key."""
    scale = set(SCALES[segment.mode]) | ({9, 11} if segment.mode == "minor" else set())
    return sum((p - segment.tonic) % 12 in scale for p in segment.pitches) / len(segment)


def one_voice_histograms(segment: Segment) -> dict[str, Counter]:
    """The grader's one-voice features: scale degrees weighted by ticks (rests one category), intervals."""
    note: Counter = Counter()
    for rest, duration, pitch in zip(segment.rests, segment.durations, segment.pitches):
        degree, alteration = scale_degree(pitch, segment.tonic, segment.mode)
        note["Rest"] += rest
        note[f"{degree}{'#' * alteration}"] += duration
    if not note["Rest"]:
        del note["Rest"]
    intervals = Counter(str(b - a) for a, b in zip(segment.pitches, segment.pitches[1:]))
    return {"note": note, "interval": intervals}


def one_voice_reference(segments: Sequence[Segment]) -> dict[str, dict[str, float]]:
    """Normalised one-voice histograms of real melodies per mode: keys like 'minor_interval'."""
    totals: dict[str, Counter] = {}
    for segment in segments:
        for feature, hist in one_voice_histograms(segment).items():
            totals.setdefault(f"{segment.mode}_{feature}", Counter()).update(hist)
    return {k: {c: v / sum(h.values()) for c, v in h.items()} for k, h in totals.items()}


def grader_distance(mine: dict[str, float], real: dict[str, float]) -> float:
    """The grader's distance (`categorical_distance`) between two normalised histograms, equally
    frequent real categories ranked by name; 0 where either is empty."""
    if not mine or not real:
        return 0.0
    return categorical_distance(mine, dict(sorted(real.items())))


def _pooled_distance(segments: Sequence[Segment], reference: dict[str, dict[str, float]], feature: str) -> float:
    """The grader's distance of the pooled histogram per mode, weighted by the segments in each mode."""
    mine = one_voice_reference(segments)
    modes = Counter(s.mode for s in segments)
    total = sum(modes.values())
    return sum(n / total * grader_distance(mine[f"{mode}_{feature}"], reference.get(f"{mode}_{feature}", {}))
               for mode, n in modes.items())


def _mean(values: Sequence[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else float("nan")


def melody_metrics(generated: Sequence[Segment], real: Sequence[Segment],
                   reference: dict[str, dict[str, float]]) -> dict[str, float]:
    """Every metric of the module docstring for generated[i] (carrying the lyrics it was sung to) against
    real[i]; `reference` is `one_voice_reference` of the real training melodies."""
    if not generated or len(generated) != len(real):
        raise ValueError(f"{len(generated)} generated melodies for {len(real)} real ones")
    pairs = list(zip(generated, real))
    out = {"pd": _mean([overlap(Counter(g.relative_pitches()), Counter(r.relative_pitches())) for g, r in pairs]),
           "dd": _mean([overlap(Counter(g.durations), Counter(r.durations)) for g, r in pairs]),
           "md": _mean([melody_distance(g, r) for g, r in pairs]),
           "alignment": _mean([alignment(g, r) for g, r in pairs]),
           "stress_on_strong": _mean([stress_on_strong(g) for g in generated]),
           "cadence": _mean([cadence_accuracy(g) for g in generated]),
           "in_key": _mean([in_key(g) for g in generated])}
    for feature in ONE_VOICE:
        out[f"{feature}_distance"] = _pooled_distance(generated, reference, feature)
    return out

