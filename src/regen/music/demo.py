"""The music section of the demo page: a harmonization and a free sample from the shipped model."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import torch

from regen.iterative.sampler import SamplerConfig
from regen.core.task import load_model
from regen.music.corpus import load_corpus
from regen.music.grading import FEATURES, grade_grid
from regen.music.grid import WINDOW
from regen.music.model import ChoraleDenoiser
from regen.music.task import SHIPPED
from regen.music.tasks import Result, sampler_with, write_outputs

DEMO_STEPS = 128


def _grade_line(g: dict[str, float]) -> str:
    parts = ", ".join(f"{k} {g[k]:.2f}" for k in FEATURES)
    return f"<b>grade {g['grade']:.2f}</b> <small>({html.escape(parts)})</small>"


def _figure(paths: dict[str, Path], out_dir: Path, caption: str, g: dict[str, float]) -> str:
    rel = {k: html.escape(str(p.relative_to(out_dir))) for k, p in paths.items()}
    return (f"<figure><img src=\"{rel['png']}\" alt=\"{html.escape(caption)}\" style=\"max-width:100%\">"
            f"<figcaption>{html.escape(caption)}: <a href=\"{rel['midi']}\">MIDI</a> · "
            f"<a href=\"{rel['musicxml']}\">MusicXML</a> · {_grade_line(g)}</figcaption></figure>")


def _harmonize_and_sample(model: ChoraleDenoiser, chorale: np.ndarray, sampler: SamplerConfig) -> tuple[Result, Result]:
    """One batched sampler run: row 0 keeps the soprano of `chorale` (4, 128), row 1 starts from noise."""
    init = np.zeros((2, *chorale.shape), dtype=np.int64)
    init[0, 0] = chorale[0]
    keep = np.zeros(init.shape, dtype=bool)
    keep[0, 0] = True
    out = model.sample(torch.from_numpy(init), keep=torch.from_numpy(keep), sampler=sampler, seed=0).numpy()
    return Result(out[0], keep[0]), Result(out[1], keep[1])


def demo_section(out_dir: Path) -> str:
    """Write a harmonization of a held-out chorale melody and an unconditional sample
    (MIDI, MusicXML, PNG) under out_dir/music and return an HTML <section>."""
    out_dir = Path(out_dir)
    target = out_dir / "music"
    model, cfg, meta = load_model(SHIPPED, task="music")
    sampler = sampler_with(cfg.sample, steps=DEMO_STEPS)
    corp = load_corpus(progress=False)
    test_index = int(corp.split["test"][0])
    name, chorale = corp.names[test_index], corp.grids[test_index][:, :WINDOW]
    harm, free = _harmonize_and_sample(model, chorale, sampler)
    g_harm, g_free, g_bach = grade_grid(harm.grid), grade_grid(free.grid), grade_grid(chorale)
    fig_harm = _figure(write_outputs(harm, target, "harmonization", f"{name}: soprano kept, A/T/B generated"),
                       out_dir, f"Harmonization of the soprano of held-out {name} (first 8 bars)", g_harm)
    fig_free = _figure(write_outputs(free, target, "sample", "unconditional sample"), out_dir,
                       "Unconditional 4x128 sample", g_free)
    nll = meta.get("metrics", {}).get("valid_nll")
    nll_text = f"; validation NLL {nll:.3f} nats per masked position" if isinstance(nll, (int, float)) else ""
    return (f"<section id=\"music\"><h2>Music: SUNMASK Bach chorales</h2>"
            f"<p>The chorale grid (4 voices x 16th notes) is the Y' of a score; the shipped "
            f"{html.escape(cfg.name)} model ({meta.get('parameters', 0):,} parameters{nll_text}) renders it by "
            f"{sampler.steps} masked denoising steps. Grey notes in the piano rolls were given, coloured ones "
            f"generated. Grades are the published Bach-or-Mock grade (Fang et al., 2020): distances to the "
            f"authors' Bach statistics, lower is better; the original {html.escape(name)} excerpt, written "
            f"through the same grid, grades {g_bach['grade']:.2f}.</p>"
            f"{fig_harm}{fig_free}</section>")
