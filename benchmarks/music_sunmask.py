"""SUNMASK on Bach chorales, graded by the published Bach-or-Mock grader (`regen.music.grading`).

Every row is graded on 4x128 grids written as MusicXML (as `regen` writes its outputs) against the
authors' published Bach statistics; real Bach test windows of the same length, written through the
same grid, are the first row of each table. Sections, each
appended to RESULTS.md as its own block (pick with --sections):

- models:    the shipped model and the other trained configs side by side: validation NLL
             (one seeded corruption for every model), training budget in seconds and forward
             passes, seconds per sample (batch 1 after a warm-up, and batched), grade median,
             quartiles and every feature.
- curve:     the compute curve: the timed snapshots (15/30/60/120 training minutes) of a run; each
             point's row is kept in its folder, so points can be scored while the run trains.
- sampler:   sampler study on the shipped model: grade against seconds per sample over steps,
             temperature, top-k / top-p / typical filtering and the mask/accept schedules.
- bestof:    best-of-N (the thesis' BEST-of selection): N candidates per output, the best kept.
- harmonize: held-out soprano lines harmonized (and inner voices infilled), against Bach's own
             voices on the same windows: grade, parallels and crossings per 100 steps.
- coconet:   Coconet Gibbs sampling swept over steps until it reaches the shipped SUNMASK's grade
             (speed ratio at equal grade).
- melody:    a user's melody of 8 to 96 bars (Bach test sopranos end to end, as one MusicXML part)
             harmonized as `regen music harmonize` does it, on one thread: seconds for the draw and
             for writing the arranged score, and whether the melody came back note for note.

    regen train music/sunmask-conv-tiny --run-dir runs/assets/sunmask-conv-tiny   # ~2 h, snapshots
    for c in sunmask-transformer-tiny coconet-tiny sundae-tiny; do   # coconet/sundae: 30 min each
        regen train music/$c --run-dir runs/$c; done
    python benchmarks/music_sunmask.py --sections models curve
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import add_common_options, emit, kept, run_sections  # noqa: E402

from regen.core.provenance import training_budget  # noqa: E402
from regen.core.task import load_model  # noqa: E402
from regen.iterative.denoising_loss import PRESETS  # noqa: E402
from regen.music.corpus import load_corpus  # noqa: E402
from regen.music import bach_or_mock, bach_or_mock_features  # noqa: E402
from regen.music.grading import FEATURES, grade_grids  # noqa: E402
from regen.music.grid import VOICES  # noqa: E402
from regen.music.task import SHIPPED, training_windows, validation_nll  # noqa: E402
from regen.music.tasks import unconditional  # noqa: E402
from regen.music.voice_leading import per_100_steps  # noqa: E402

SECTIONS = ("models", "curve", "sampler", "bestof", "harmonize", "coconet", "melody")
MODELS = ("sunmask-transformer-tiny", "coconet-tiny", "sundae-tiny")
HEADER = ["| row | grade median [quartiles] | " + " | ".join(FEATURES) + " |", "|" + "---|" * (2 + len(FEATURES))]


def grade_cells(grids: list[np.ndarray]) -> list[str]:
    """Median [quartiles] of the grade, then the median of every feature."""
    grades = grade_grids(grids)
    total = [g["grade"] for g in grades]
    q1, med, q3 = np.percentile(total, [25, 50, 75])
    return [f"{med:.2f} [{q1:.2f}, {q3:.2f}]", *(f"{np.median([g[f] for g in grades]):.2f}" for f in FEATURES)]


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def sample_grids(model, sampler, n: int, seed: int) -> tuple[list[np.ndarray], float]:
    """`n` unconditional grids and the seconds per output (the whole batch at once)."""
    results, seconds = timed(unconditional, model, sampler, n, seed)
    return [r.grid for r in results], seconds / n


def batch1_seconds(model, sampler) -> float:
    """Seconds for one 4x128 sample at batch 1, after a short warm-up."""
    unconditional(model, replace(sampler, steps=2, best_of=1), 1, seed=1)
    return timed(unconditional, model, sampler, 1, 7)[1]


def budget(meta: dict, cfg) -> tuple[float, int, float]:
    """Training seconds, steps and forward passes (steps x batch x unrolled passes) of a checkpoint, with
    those of the checkpoints it started from (`trainer.init_from`, same config) added."""
    seconds, steps = training_budget(meta, "denoiser")
    return seconds, steps, steps * cfg.phases["denoiser"].batch_size * PRESETS[cfg.model.objective].unroll


class Bench:
    """What every section shares: args, corpus, validation and Bach windows."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.corp = load_corpus(progress=False)
        test = self.corp.windows("test", hop=64)
        pick = np.linspace(0, len(test) - 1, min(args.n, len(test))).round().astype(int)
        self.bach = [test[i] for i in pick]
        self.bach_row = row([f"Bach test windows (n={len(self.bach)})", *grade_cells(self.bach)])

    def valid_nll(self, model, cfg) -> float:
        _, valid = training_windows(cfg.data, self.corp)
        return validation_nll(model, valid, seed=0)

    def emit(self, title: str, lines: list[str]) -> None:
        emit(title, lines, self.args.no_append)

    def checkpoint(self, name: str) -> Path:
        """runs/<name>/checkpoint; the benchmark never falls back on a shipped checkpoint in its place."""
        local = self.args.runs / name / "checkpoint"
        if not local.exists():
            raise FileNotFoundError(f"no {local}; train it first: regen train music/{name} --run-dir {local.parent}")
        return local


def section_models(b: Bench) -> None:
    n = b.args.n
    lines = ["| model | params | valid NLL | train s | forward passes | s/sample (batch 1) | s/sample (batch "
             f"{n}) | grade median [quartiles] | " + " | ".join(FEATURES) + " |", "|" + "---|" * (8 + len(FEATURES)),
             "| " + b.bach_row[2:].replace(" | ", " | - | - | - | - | - | - | ", 1)]
    missing = []
    snapshot = b.args.curve_run / "denoiser" / "snapshots" / "30min"
    entries = [(SHIPPED, " (shipped)"), *([(snapshot, " at 30 training minutes")] if snapshot.exists() else []),
               *((b.checkpoint(m), "") for m in b.args.models)]
    for where, note in entries:
        try:
            model, cfg, meta = load_model(where)
        except Exception as exc:  # noqa: BLE001 - a missing optional model is reported, not fatal
            missing.append(f"- {where}: {exc}")
            continue
        sampler = cfg.sample
        t1 = batch1_seconds(model, sampler)
        grids, tn = sample_grids(model, sampler, n, seed=0)
        seconds, _, passes = budget(meta, cfg)
        label = f"{cfg.name}{note}: {sampler.method}, {sampler.steps} steps"
        lines.append(row([label, f"{meta.get('parameters', 0) / 1e6:.2f}M", f"{b.valid_nll(model, cfg):.3f}",
                          f"{seconds:.0f}", f"{passes / 1e6:.2f}M", f"{t1:.2f}", f"{tn:.2f}",
                          *grade_cells(grids)]))
    b.emit("Music: chorale models graded by the published Bach-or-Mock grader",
           lines + [""] + missing + [f"Each model samples with its checkpoint's own sampler settings; {n} samples of "
                                      "4x128 each; validation NLL on the valid windows with one seeded corruption "
                                      "for all models; forward passes = steps x batch x unrolled passes."])


GRADER_FILES = [*(Path(m.__file__) for m in (bach_or_mock, bach_or_mock_features)),
                Path(bach_or_mock.__file__).parent / "data" / "bach_or_mock" / "distributions.json"]


def curve_point(b: Bench, path: Path) -> tuple[str, list[str]]:
    """The config name and curve row of one snapshot or checkpoint. The row is kept in `path/curve-row.json`
    with what it depends on (sample count, sampler, the grader's source), so snapshots can be scored while
    the run still trains and a rerun only scores the new points."""
    model, cfg, meta = load_model(path)
    key = {"n": b.args.n, "sampler": repr(cfg.sample),
           "grading": hashlib.sha256(b"".join(p.read_bytes() for p in GRADER_FILES)).hexdigest()[:16]}

    def cells() -> list[str]:
        seconds, steps, passes = budget(meta, cfg)
        grids, _ = sample_grids(model, cfg.sample, b.args.n, seed=0)
        label = f"{'+' if meta.get('init_from') else ''}{path.name}"  # +: minutes of a budget on earlier weights
        return [label, str(steps), f"{seconds / 60:.1f}", f"{passes / 1e6:.2f}M", f"{b.valid_nll(model, cfg):.3f}",
                *grade_cells(grids)]

    return cfg.name, kept(path / "curve-row.json", key, cells)


def section_curve(b: Bench) -> None:
    run = b.args.curve_run
    snaps = sorted((run / "denoiser" / "snapshots").glob("*min"), key=lambda p: float(p.name[:-3]))
    final = b.args.curve_final or run / "checkpoint"
    points = [*snaps, *([final] if final.exists() else [])]
    if not points:
        raise SystemExit(f"no snapshots under {run}/denoiser/snapshots; train with trainer.snapshot_minutes")
    lines = ["| point | step | train minutes | forward passes | valid NLL | grade median [quartiles] | "
             + " | ".join(FEATURES) + " |", "|" + "---|" * (6 + len(FEATURES)),
             "| " + b.bach_row[2:].replace(" | ", " | - | - | - | - | ", 1)]
    name = ""
    for path in points:
        name, cells = curve_point(b, path)
        lines.append(row(cells))
        print(lines[-1], flush=True)
    b.emit(f"Music: compute curve of {name} ({run})",
           lines + ["", f"{b.args.n} samples per point with the config's sampler; train minutes count time spent "
                        "in training batches (validation and checkpoints excluded). A point marked + belongs to a "
                        "run started from an earlier checkpoint's weights (`trainer.init_from`): its step, "
                        "minutes and forward passes include the earlier run's."])


def sampler_grid(base) -> list[tuple[str, object]]:
    """The settings of the sampler study: one factor at a time around the shipped defaults."""
    grid = [("defaults", base)]
    grid += [(f"steps {s}", replace(base, steps=s)) for s in (32, 64, 256) if s != base.steps]
    grid += [(f"temperature {t}", replace(base, temperature=t)) for t in (0.5, 0.65, 1.0) if t != base.temperature]
    grid += [("top-k 3", replace(base, top_k=3)), ("top-k off", replace(base, top_k=0)),
             ("top-p 0.9, no top-k/typical", replace(base, top_p=0.9, top_k=0, typical=0.0)),
             ("typical off", replace(base, typical=0.0)),
             ("mask schedule constant 0.5", replace(base, mask_schedule="constant", mask_constant=0.5)),
             ("no mask (every position unknown)", replace(base, mask_schedule="none")),
             ("accept schedule constant 1", replace(base, accept_schedule="constant", accept_constant=1.0)),
             ("accept schedule constant 0.3", replace(base, accept_schedule="constant", accept_constant=0.3)),
             ("intermediate noise", replace(base, intermediate_noise=True))]
    # the best single factors of the study (2026-11-28: top-p 0.9 alone, accept 0.3), combined
    nucleus = replace(base, top_p=0.9, top_k=0, typical=0.0)
    grid += [("top-p 0.9 + accept constant 0.3", replace(nucleus, accept_schedule="constant", accept_constant=0.3)),
             ("top-p 0.9 + accept constant 0.3 + temperature 0.65",
              replace(nucleus, accept_schedule="constant", accept_constant=0.3, temperature=0.65))]
    return grid


def section_sampler(b: Bench) -> None:
    model, cfg, _ = load_model(SHIPPED)
    lines = ["| setting | s/sample (batch n) | grade median [quartiles] | " + " | ".join(FEATURES) + " |",
             "|" + "---|" * (3 + len(FEATURES)), "| " + b.bach_row[2:].replace(" | ", " | - | ", 1)]
    only = set(b.args.settings or [])
    for label, sampler in sampler_grid(cfg.sample):
        if only and label not in only:
            continue
        grids, tn = sample_grids(model, sampler, b.args.n, seed=0)
        lines.append(row([label, f"{tn:.2f}", *grade_cells(grids)]))
    d = cfg.sample
    partial = f" (partial: {', '.join(b.args.settings)})" if b.args.settings else ""  # beside the whole study
    b.emit(f"Music: sampler study on the shipped {cfg.name}{partial}",
           lines + ["", f"Defaults: {d.method}, {d.steps} steps, temperature {d.temperature}, top-k {d.top_k}, "
                        f"top-p {d.top_p}, typical {d.typical}, mask {d.mask_schedule}, accept {d.accept_schedule}; "
                        f"each row changes one factor; {b.args.n} samples per row, batched."])


def section_bestof(b: Bench) -> None:
    model, cfg, _ = load_model(SHIPPED)
    outputs = b.args.best_outputs
    lines = ["| selection | candidates | s/output | grade median [quartiles] | " + " | ".join(FEATURES) + " |",
             "|" + "---|" * (4 + len(FEATURES)), "| " + b.bach_row[2:].replace(" | ", " | - | - | ", 1)]
    largest = max(b.args.best_of)
    results, sample_s = timed(unconditional, model, cfg.sample, outputs * largest, 0)
    grades, grade_s = timed(lambda: [g["grade"] for g in grade_grids([r.grid for r in results])])
    per_candidate = (sample_s + grade_s) / len(results)
    for k in sorted({1, *b.args.best_of}):
        kept = [min(range(i * largest, i * largest + k), key=grades.__getitem__) for i in range(outputs)]
        per_output = k * per_candidate if k > 1 else sample_s / len(results)
        lines.append(row([f"best of {k}" if k > 1 else "every draw", str(k * outputs), f"{per_output:.2f}",
                          *grade_cells([results[i].grid for i in kept])]))
    b.emit(f"Music: best-of-N on the shipped {cfg.name}",
           lines + ["", f"{outputs} outputs per row, each the best-graded of its first N candidates (the same "
                        "candidate pool for every N); s/output counts sampling and grading."])


def masked_fill(model, sampler, windows: list[np.ndarray], kept_voices: list[int], seed: int) -> list[np.ndarray]:
    """Regenerate every voice not in `kept_voices` of each window, batched; kept voices never change."""
    cond = torch.from_numpy(np.stack(windows)).long()
    keep = torch.zeros_like(cond, dtype=torch.bool)
    keep[:, kept_voices] = True
    out = model.sample(cond, keep=keep, sampler=sampler, seed=seed).numpy()
    assert np.array_equal(out[:, kept_voices], cond[:, kept_voices].numpy()), "a kept voice changed"
    return list(out)


def section_harmonize(b: Bench) -> None:
    model, cfg, _ = load_model(SHIPPED)
    faults = per_100_steps(b.bach)
    lines = ["| voices written | by | grade median [quartiles] | parallels /100 steps | crossings /100 steps | "
             + " | ".join(FEATURES) + " |", "|" + "---|" * (5 + len(FEATURES))]
    bach_cells = grade_cells(b.bach)
    for given, label in (([0], "alto, tenor, bass (harmonize the soprano)"), ([0, 3], "alto, tenor (infill)")):
        lines.append(row([label, "Bach", bach_cells[0], f"{faults['parallels']:.2f}", f"{faults['crossings']:.2f}",
                          *bach_cells[1:]]))
        grids = masked_fill(model, cfg.sample, b.bach, given, seed=0)
        mine, cells = per_100_steps(grids), grade_cells(grids)
        lines.append(row([label, cfg.name, cells[0], f"{mine['parallels']:.2f}", f"{mine['crossings']:.2f}",
                          *cells[1:]]))
    b.emit(f"Music: harmonization and infilling against Bach's own voices ({cfg.name})",
           lines + ["", f"{len(b.bach)} held-out 4x128 test windows; the kept voices ("
                        f"{', '.join(VOICES)} order) are Bach's and never change; default sampler."])


def section_coconet(b: Bench) -> None:
    shipped, cfg, _ = load_model(SHIPPED)
    target_grids, sunmask_s = sample_grids(shipped, cfg.sample, b.args.n, seed=0)
    target = float(np.median([g["grade"] for g in grade_grids(target_grids)]))
    model, ccfg, _ = load_model(b.checkpoint("coconet-tiny"))
    lines = [f"Shipped {cfg.name}: grade {target:.2f} at {sunmask_s:.2f} s/sample ({cfg.sample.steps} steps, "
             f"batch {b.args.n}). Coconet Gibbs sweep ({ccfg.name}, {b.args.n} samples each):"]
    reached = None
    for steps in b.args.gibbs_steps:
        grids, tn = sample_grids(model, replace(ccfg.sample, method="gibbs", steps=steps), b.args.n, seed=0)
        med = float(np.median([g["grade"] for g in grade_grids(grids)]))
        lines.append(f"- Gibbs {steps} steps: grade {med:.2f}, {tn:.2f} s/sample")
        if med <= target:  # the sweep stops at the first step count that reaches SUNMASK's grade
            reached = (steps, tn)
            break
    if reached:
        lines.append(f"- Coconet reaches SUNMASK's grade at {reached[0]} Gibbs steps: SUNMASK is "
                     f"{reached[1] / sunmask_s:.1f}x faster at equal grade")
    else:
        lines.append(f"- Coconet never reaches SUNMASK's grade within {max(b.args.gibbs_steps)} Gibbs steps")
    b.emit("Music: SUNMASK against Coconet Gibbs sampling at equal grade", lines)


def _sounding(part) -> list[tuple]:
    """A part's notes as they sound (tied notes joined): (offset, quarter length, MIDI pitch)."""
    return [(float(n.offset), float(n.quarterLength), n.pitch.midi) for n in part.stripTies().flatten().notes]


def section_melody(b: Bench) -> None:
    from music21 import converter

    from regen.music.arrangement import Arrangement, arranged_score, write_arrangement
    from regen.music.scores import grid_to_score, score_to_grid
    from regen.music.tasks import harmonize, sampler_with

    torch.set_num_threads(1)
    model, cfg, _ = load_model(SHIPPED)
    sampler = sampler_with(cfg.sample)
    sopranos = np.concatenate([w[0] for w in b.bach])
    lines = ["| bars | steps | draws | harmonize s | write s | melody kept note for note (as it sounds) |", "|---:|---:|---:|---:|---:|---|"]
    for bars in b.args.melody_bars:
        grid = np.zeros((4, bars * 16), dtype=np.int64)
        grid[0] = sopranos[: bars * 16]
        tune = grid_to_score(grid[:1].repeat(4, 0))
        for part in list(tune.parts)[1:]:
            tune.remove(part)
        read = score_to_grid(tune, "melody", (1, 4))
        start = time.perf_counter()
        result = harmonize(model, read.grid, sampler, seed=0)
        drawn = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            paths = write_arrangement(arranged_score(Arrangement(tune, (0, None, None, None)), result.grid, "melody"),
                                      folder, "melody")
            written = time.perf_counter() - start
            back = converter.parse(str(paths["musicxml"])).parts[0]
        same = _sounding(back) == _sounding(tune.parts[0])
        windows = 1 if bars * 16 <= 1024 else 1 + -(-(bars * 16 - 1024) // (1024 - 128))
        lines.append(f"| {bars} | {bars * 16} | {windows} | {drawn:.1f} | {written:.1f} | {'yes' if same else 'NO'} |")
        print(lines[-1], flush=True)
    b.emit(f"Music: harmonizing a user's melody of any length ({cfg.name}, one thread)",
           lines + ["", f"Default sampler ({sampler.steps} steps); melodies: Bach test sopranos end to end in 4/4. "
                        "Goal: 32 bars within 30 s."])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--runs", type=Path, default=Path("runs"), help="where runs/<config>/checkpoint live")
    parser.add_argument("--models", nargs="*", default=list(MODELS), help="other configs for the models table")
    parser.add_argument("--curve-run", type=Path, default=Path("runs/assets/sunmask-conv-tiny"))
    parser.add_argument("--curve-final", type=Path, help="the run's final checkpoint, if written elsewhere "
                        "(--out); default <curve-run>/checkpoint")
    parser.add_argument("--n", type=int, default=50, help="samples per row")
    parser.add_argument("--settings", nargs="*", help="sampler study: only these rows (labels)")
    parser.add_argument("--best-of", type=int, nargs="+", default=[4, 10])
    parser.add_argument("--best-outputs", type=int, default=20)
    parser.add_argument("--gibbs-steps", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--melody-bars", type=int, nargs="+", default=[8, 16, 32, 96])
    add_common_options(parser)
    args = parser.parse_args()
    if any(not re.fullmatch(r"[\w.-]+", m) for m in args.models):
        parser.error("--models takes config names such as coconet-tiny")
    run_sections(args, Bench, globals())


if __name__ == "__main__":
    main()
