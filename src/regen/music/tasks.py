"""User tasks on a trained chorale model: unconditional sampling, harmonization, infilling.

Each task builds an initial grid plus keep/focus masks (batch, 4, time) and lets the
model's sampler fill in the rest; with `best_of` > 1 it draws that many candidates per
output and keeps the best graded (`best_of_line` says which grades it chose from).
`write_outputs` writes MIDI, MusicXML and a piano roll for each result. Sampling shows a
progress bar over the sampler's steps (labelled by the task), grading one over the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from regen.core.errors import RegenError
from regen.core.progress import progress
from regen.iterative.sampler import SamplerConfig
from regen.music.arrangement import Arrangement, arranged_score, write_arrangement
from regen.music.config import ChoraleSampling
from regen.music.grading import grade_grids
from regen.music.grid import REST, STEPS_PER_BAR, VOICES, WINDOW
from regen.music.model import ChoraleDenoiser
from regen.music.pianoroll import write_pianoroll
from regen.music.scores import write_midi, write_musicxml

MAX_STEPS = 1024  # one draw's length; longer pieces go in overlapping windows
OVERLAP = 128  # steps a window shares with the one before it


@dataclass
class Result:
    """One generated grid (4, time) and which positions were given (4, time) bool; with best-of, its
    grade and the grades of every candidate it was chosen from (best first)."""

    grid: np.ndarray
    fixed: np.ndarray
    grade: float | None = None
    candidates: tuple[float, ...] = ()


def sampler_with(base: SamplerConfig, steps: int | None = None, temperature: float | None = None,
                 best_of: int | None = None) -> ChoraleSampling:
    """`base` as `ChoraleSampling` with the given fields replaced (None keeps the base value)."""
    changes = {k: v for k, v in (("steps", steps), ("temperature", temperature), ("best_of", best_of))
               if v is not None}
    if not isinstance(base, ChoraleSampling):
        base = ChoraleSampling(**vars(base))
    try:
        return replace(base, **changes)
    except ValueError as exc:
        raise RegenError(f"invalid sampler setting: {exc}") from None


def keep_best(candidates: list[Result], per_output: int) -> list[Result]:
    """From consecutive groups of `per_output` candidates keep the best graded of each
    (lowest published Bach-or-Mock grade, under a bar; an ungradable candidate never wins over a
    gradable one)."""
    if per_output == 1:
        return candidates
    grades = grade_grids([c.grid for c in candidates], unit="candidate")
    graded = [replace(c, grade=g["grade"]) for c, g in zip(candidates, grades)]
    kept = []
    for i in range(0, len(graded), per_output):
        group = graded[i:i + per_output]
        kept.append(replace(min(group, key=lambda r: r.grade), candidates=tuple(sorted(r.grade for r in group))))
    return kept


def best_of_line(label: str, result: Result) -> str:
    """'sample-000: kept grade 14.2 of 4 candidates (14.2 18.9 25.0 31.7)' for a best-of result."""
    shown = " ".join(f"{g:.1f}" for g in result.candidates)
    return f"{label}: kept grade {result.grade:.1f} of {len(result.candidates)} candidates ({shown})"


def _best_of(sampler: SamplerConfig) -> int:
    return getattr(sampler, "best_of", 1)


def _pad(length: int, multiple: int = STEPS_PER_BAR) -> int:
    return max(multiple, -(-length // multiple) * multiple)


def _trim(result: Result, length: int) -> Result:
    return replace(result, grid=result.grid[:, :length], fixed=result.fixed[:, :length])


def _run(model: ChoraleDenoiser, init: np.ndarray, keep: np.ndarray, focus: np.ndarray, sampler: SamplerConfig,
         seed: int, n: int, desc: str) -> list[Result]:
    """`n` draws completing init (4, time) under the keep/focus masks (4, time), under a bar labelled `desc`."""
    with progress(desc=desc if n == 1 else f"{desc} ({n} drawn)", total=sampler.steps, unit="step") as bar:
        out = model.sample(torch.from_numpy(init).long()[None], n=n, keep=torch.from_numpy(keep)[None],
                           focus=torch.from_numpy(focus)[None], sampler=sampler, seed=seed,
                           callback=lambda _: bar.update()).numpy()
    fixed = keep | ~focus
    return [Result(g, fixed) for g in out]


def unconditional(model: ChoraleDenoiser, sampler: SamplerConfig, n: int, seed: int = 0,
                  length: int = WINDOW) -> list[Result]:
    """`n` chorale grids (4, length) from noise (each the best of `sampler.best_of` draws)."""
    init = np.zeros((len(VOICES), length), dtype=np.int64)
    none = np.zeros(init.shape, dtype=bool)
    per = _best_of(sampler)
    return keep_best(_run(model, init, none, ~none, sampler, seed, n * per, "sample"), per)


def _complete(model: ChoraleDenoiser, init: np.ndarray, keep: np.ndarray, focus: np.ndarray,
              sampler: SamplerConfig, seed: int, desc: str) -> Result:
    """The best of `sampler.best_of` completions of init (4, time) under keep/focus; a piece longer than
    `MAX_STEPS` is drawn in windows of `MAX_STEPS` that overlap by `OVERLAP` steps, each window keeping
    what the one before it wrote in the overlap, so a seam is continued, not joined."""
    per = _best_of(sampler)
    length = init.shape[1]
    if length <= MAX_STEPS:
        return keep_best(_run(model, init, keep, focus, sampler, seed, per, desc), per)[0]
    grid, done = init.copy(), np.zeros(length, dtype=bool)
    start, k = 0, 0
    while True:
        end = min(start + MAX_STEPS, length)
        window_keep = keep[:, start:end] | done[None, start:end]
        best = keep_best(_run(model, grid[:, start:end], window_keep, focus[:, start:end] & ~window_keep, sampler,
                              seed + k, per, f"{desc} (steps {start}-{end} of {length})"), per)[0]
        grid[:, start:end], done[start:end] = best.grid, True
        if end == length:
            return Result(grid, keep | ~focus)
        start, k = end - OVERLAP, k + 1


def harmonize(model: ChoraleDenoiser, melody: np.ndarray, sampler: SamplerConfig, seed: int = 0) -> Result:
    """Keep the soprano (first row of `melody`, (parts, time)) and write alto, tenor and bass; any length."""
    length = melody.shape[1]
    padded = _pad(length)
    init = np.full((len(VOICES), padded), REST, dtype=np.int64)
    init[0, :length] = melody[0]
    keep = np.zeros(init.shape, dtype=bool)
    keep[0] = True
    keep[:, length:] = True
    return _trim(_complete(model, init, keep, np.ones(init.shape, dtype=bool), sampler, seed, "harmonize"), length)


def parse_bars(text: str, n_bars: int) -> tuple[int, int]:
    """'3-5' (1-based, inclusive) -> 16th-step range [start, end) checked against `n_bars`."""
    try:
        parts = [int(p) for p in text.split("-")]
        first, last = (parts[0], parts[-1]) if len(parts) in (1, 2) else (0, -1)
    except ValueError:
        first, last = 0, -1
    if not (1 <= first <= last):
        raise RegenError(f"--bars '{text}' must look like 3-5 (first and last bar, 1-based)")
    if last > n_bars:
        raise RegenError(f"--bars {text} goes past the end of the score, which has {n_bars} bars")
    return (first - 1) * STEPS_PER_BAR, last * STEPS_PER_BAR


def parse_voices(text: str | None) -> list[int]:
    """'alto,tenor' (names or initials, any case) -> voice indices; None means all four."""
    if not text:
        return list(range(len(VOICES)))
    names = {v.lower(): i for i, v in enumerate(VOICES)} | {v[0].lower(): i for i, v in enumerate(VOICES)}
    out = []
    for item in (t.strip().lower() for t in text.split(",") if t.strip()):
        if item not in names:
            raise RegenError(f"unknown voice '{item}' in --voices; use soprano, alto, tenor, bass")
        out.append(names[item])
    return sorted(set(out))


def infill(model: ChoraleDenoiser, grid: np.ndarray, bars: str, voices: str | None, sampler: SamplerConfig,
           seed: int = 0) -> Result:
    """Regenerate the chosen voices in the chosen bars of a four-part grid (4, time);
    everything else is context that never changes."""
    length = grid.shape[1]
    start, end = parse_bars(bars, -(-length // STEPS_PER_BAR))
    padded = _pad(length)
    init = np.full((len(VOICES), padded), REST, dtype=np.int64)
    init[:, :length] = grid
    focus = np.zeros(init.shape, dtype=bool)
    focus[parse_voices(voices), start:min(end, length)] = True
    return _trim(_complete(model, init, np.zeros(init.shape, dtype=bool), focus, sampler, seed, "infill"), length)


def write_outputs(result: Result, out_dir: str | Path, stem: str, title: str,
                  given: Arrangement | None = None) -> dict[str, Path]:
    """Write `stem`.mid, `stem`.musicxml and `stem`.png into out_dir (each atomically). With the user's
    score (`given`), its kept parts are copied as written and the generated voices set in its measures
    (`regen.music.arrangement`); without, the grid is written in 4/4."""
    out_dir = Path(out_dir)
    if given is None:
        paths = {"midi": write_midi(result.grid, out_dir / f"{stem}.mid", title),
                 "musicxml": write_musicxml(result.grid, out_dir / f"{stem}.musicxml", title)}
    else:
        paths = write_arrangement(arranged_score(given, result.grid, title), out_dir, stem)
    paths["png"] = write_pianoroll(result.grid, out_dir / f"{stem}.png", result.fixed, title)
    return paths
