"""SUNMASK on Bach chorales: grades, validation NLL, throughput and sampling time.

Compares SUNMASK (conv and transformer), Coconet and SUNDAE trained by the tiny
configs in configs/music (same data, same step budget per network) with real test
windows, all graded by the published Bach-or-Mock grader (`regen.music.grading`) on 4x128 grids
written as scores, against Bach's training chorales rebuilt through the same grid. Run the trainings first:

    for c in sunmask-transformer-tiny sunmask-conv-tiny coconet-tiny sundae-tiny; do
        regen train music/$c; done
    python benchmarks/music_sunmask.py
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import append_results  # noqa: E402

from regen.core.task import load_model  # noqa: E402
from regen.music.task import SHIPPED  # noqa: E402
from regen.music.corpus import load_corpus  # noqa: E402
from regen.music.grading import FEATURES, grade, reference, summarize  # noqa: E402
from regen.music.tasks import unconditional  # noqa: E402

MODELS = ("sunmask-conv-tiny", "sunmask-transformer-tiny", "coconet-tiny", "sundae-tiny")


def _fmt(stat: tuple[float, float]) -> str:
    return f"{stat[0]:.2f} ± {stat[1]:.2f}"


def _sample(model, sampler, n: int, seed: int) -> tuple[list[np.ndarray], float]:
    start = time.perf_counter()
    grids = [r.grid for r in unconditional(model, sampler, n, seed)]
    return grids, time.perf_counter() - start


def _row(name: str, grades: list[dict], extra: list[str]) -> str:
    s = summarize(grades)
    q1, q3 = np.percentile([g["grade"] for g in grades], [25, 75])
    cells = [name, *extra, f"{s['grade'][0]:.2f} [{q1:.2f}, {q3:.2f}]", *(f"{s[f][0]:.2f}" for f in FEATURES)]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path("runs"))
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--n", type=int, default=50, help="samples per model")
    parser.add_argument("--steps", type=int, default=128, help="sampling steps for every model")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--typical", type=float, default=0.95)
    parser.add_argument("--gibbs-steps", type=int, nargs="*", default=[32, 64, 128, 256, 512])
    parser.add_argument("--no-append", action="store_true", help="print only (smoke runs)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    corp, ref = load_corpus(progress=False), reference()
    common = {"temperature": args.temperature, "top_k": args.top_k, "typical": args.typical}
    header = ["| model | params | valid NLL | train s/step | s/sample (batch 1) | s/sample (batch n) "
              "| grade median [quartiles] | " + " | ".join(FEATURES) + " |",
              "|" + "---|" * (7 + len(FEATURES))]
    real = corp.windows("test", hop=64)[: args.n]
    rows = [_row(f"Bach test windows (n={len(real)})", [grade(w, ref) for w in real], ["-"] * 5)]
    medians, times, lines = {}, {}, []
    for name in args.models:
        ckpt = args.runs / name / "checkpoint"
        if not ckpt.exists():
            lines.append(f"- {name}: no checkpoint at {ckpt}; run `regen train music/{name}` first")
            continue
        model, cfg, meta = load_model(ckpt)
        sampler = replace(cfg.sample, steps=args.steps, **common)
        _sample(model, replace(sampler, steps=2), 1, seed=1)  # warm-up
        _, t1 = _sample(model, sampler, 1, seed=123)
        grids, tn = _sample(model, sampler, args.n, seed=0)
        grades = [grade(g, ref) for g in grids]
        medians[name], times[name] = float(np.median([g["grade"] for g in grades])), tn / args.n
        m, phase = meta.get("metrics", {}), meta.get("phases", {}).get("denoiser", {})
        per_step = phase.get("seconds", float("nan")) / max(phase.get("steps", 1), 1)
        rows.append(_row(f"{name} ({sampler.method}, {args.steps} steps)", grades,
                         [f"{meta.get('parameters', 0) / 1e6:.2f}M", f"{m.get('valid_nll', float('nan')):.3f}",
                          f"{per_step:.2f}", f"{t1:.2f}", f"{tn / args.n:.3f}"]))
    lines = header + rows + [""] + lines + [
        f"Sampling for every model: {args.steps} steps, temperature {args.temperature}, top-k {args.top_k}, "
        f"typical {args.typical}, {args.n} samples of 4x128."]
    coconet = args.runs / "coconet-tiny" / "checkpoint"
    target = medians.get("sunmask-transformer-tiny")
    if coconet.exists() and target is not None:
        model, cfg, _ = load_model(coconet)
        lines.append("Coconet Gibbs sweep (n samples each): steps -> median grade, s/sample")
        reached = None
        for steps in args.gibbs_steps:
            grids, tn = _sample(model, replace(cfg.sample, method="gibbs", steps=steps, **common), args.n, seed=0)
            med = float(np.median([grade(g, ref)["grade"] for g in grids]))
            lines.append(f"- gibbs {steps} steps: grade {med:.2f}, {tn / args.n:.3f} s/sample")
            if reached is None and med <= target:
                reached = (steps, tn / args.n)
        sm = times["sunmask-transformer-tiny"]
        if reached:
            lines.append(f"- SUNMASK transformer ({args.steps} steps, grade {target:.2f}) / Coconet Gibbs at equal "
                         f"grade ({reached[0]} steps): time ratio {sm / reached[1]:.2f}")
        else:
            lines.append(f"- Coconet Gibbs never reached SUNMASK's grade {target:.2f} within {max(args.gibbs_steps)} "
                         f"steps; time ratio vs the longest Gibbs run < {sm / tn * args.n:.2f}")
    shipped, shipped_cfg, _ = load_model(SHIPPED)
    _sample(shipped, replace(shipped_cfg.sample, steps=2), 1, seed=1)  # warm-up
    _, t_ship = _sample(shipped, shipped_cfg.sample, 1, seed=7)
    lines.append(f"- shipped model ({shipped_cfg.name}, {shipped_cfg.sample.steps} steps, batch 1): "
                 f"{t_ship:.2f} s per 4x128 sample on this CPU ({args.threads} threads)")
    if args.no_append:
        print("\n".join(lines))
        return
    append_results("Music: SUNMASK vs Coconet vs SUNDAE on Bach chorales (tiny models)", lines,
                   "python benchmarks/music_sunmask.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
