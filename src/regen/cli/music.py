"""`regen music ...`: prepare the chorales, train, sample, harmonize, infill and grade."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Callable, List, Optional

import typer

from regen.core.errors import RegenError

app = typer.Typer(help="Bach chorales with SUNMASK (masked, step-unrolled denoising).", no_args_is_help=True)

ModelOpt = typer.Option(None, "--model", help="checkpoint directory (default: the shipped tiny model)")
StepsOpt = typer.Option(None, "--steps", min=1, help="sampling steps (default: from the checkpoint config)")
TempOpt = typer.Option(None, "--temperature", help="sampling temperature (> 0)")
SeedOpt = typer.Option(0, "--seed", help="sampling seed")


def _user_errors(fn: Callable) -> Callable:
    """Print a RegenError as one line on stderr and exit with status 2."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RegenError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    return wrapper


def _model_and_sampler(model: Optional[Path], steps: Optional[int], temperature: Optional[float]):
    from regen.music.checkpoints import load_model
    from regen.music.tasks import sampler_with

    net, cfg, _ = load_model(model)
    return net, sampler_with(cfg.sampler, steps, temperature)


def _report(name: str, paths: dict, grade: dict | None = None) -> None:
    text = ", ".join(str(p) for p in paths.values())
    typer.echo(f"{name}: {text}" + (f"  grade {grade['grade']:.2f}" if grade else ""))


@app.command()
@_user_errors
def data() -> None:
    """Prepare the Bach chorale corpus (once; cached) and print its counts."""
    from regen.music.corpus import load_corpus

    typer.echo("\n".join(load_corpus().summary()))


@app.command()
@_user_errors
def train(config: Path = typer.Argument(..., help="YAML config, e.g. configs/music/sunmask-transformer-tiny.yaml"),
          set_: List[str] = typer.Option([], "--set", help="override a field: key.path=value (repeatable)"),
          resume: bool = typer.Option(False, "--resume", help="continue the run in --run-dir"),
          run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="default: runs/music/<name>"),
          out: Optional[Path] = typer.Option(None, "--out",
                                             help="checkpoint directory (default: <run-dir>/model)")) -> None:
    """Train a chorale model (SUNMASK, Coconet or SUNDAE) and write a checkpoint directory."""
    from regen.music.config import load_config
    from regen.music.training import train_music

    cfg = load_config(config, set_)
    run_dir = run_dir or Path("runs") / "music" / cfg.name
    ckpt = train_music(cfg, run_dir, out or run_dir / "model", resume=resume)
    meta = json.loads((ckpt / "meta.json").read_text())
    typer.echo(f"saved {ckpt}; metrics {json.dumps(meta['metrics'])}")


@app.command()
@_user_errors
def sample(n: int = typer.Option(1, "--n", min=1, help="number of 4x128 chorale fragments"),
           out: Path = typer.Option(..., "--out", help="output directory"),
           model: Optional[Path] = ModelOpt, steps: Optional[int] = StepsOpt,
           temperature: Optional[float] = TempOpt, seed: int = SeedOpt) -> None:
    """Generate chorale fragments from scratch (MIDI, MusicXML, piano roll, grade)."""
    from regen.music.grading import grade, reference
    from regen.music.tasks import unconditional, write_outputs

    net, sampler = _model_and_sampler(model, steps, temperature)
    ref = reference()
    for i, res in enumerate(unconditional(net, sampler, n, seed)):
        _report(f"sample {i}", write_outputs(res, out, f"sample-{i:03d}", f"regen sample {i}"), grade(res.grid, ref))


@app.command()
@_user_errors
def harmonize(score: str = typer.Argument(..., help="MusicXML/MIDI file or music21 corpus name; "
                                                    "its top part is the melody"),
              out: Path = typer.Option(..., "--out", help="output directory"),
              model: Optional[Path] = ModelOpt, steps: Optional[int] = StepsOpt,
              temperature: Optional[float] = TempOpt, seed: int = SeedOpt) -> None:
    """Keep the soprano of SCORE and write alto, tenor and bass."""
    from regen.music.grading import grade, reference
    from regen.music.scores import read_score
    from regen.music.tasks import harmonize as run, write_outputs

    read = read_score(score, parts_needed=(1, 4))
    for w in read.warnings:
        typer.echo(f"note: {w}", err=True)
    net, sampler = _model_and_sampler(model, steps, temperature)
    res = run(net, read.grid, sampler, seed)
    _report("harmonization", write_outputs(res, out, "harmonized", f"harmonization of {Path(score).stem}"),
            grade(res.grid, reference()))


@app.command()
@_user_errors
def infill(score: str = typer.Argument(..., help="four-part MusicXML/MIDI file or music21 corpus name"),
           bars: str = typer.Option(..., "--bars", help="bars to rewrite, 1-based and inclusive, e.g. 3-5 "
                                    "(a bar is 16 sixteenths counted from the start of the score)"),
           voices: Optional[str] = typer.Option(None, "--voices",
                                                help="voices to rewrite, e.g. alto,tenor (default all)"),
           out: Path = typer.Option(..., "--out", help="output directory"),
           model: Optional[Path] = ModelOpt, steps: Optional[int] = StepsOpt,
           temperature: Optional[float] = TempOpt, seed: int = SeedOpt) -> None:
    """Rewrite some voices in some bars of SCORE, keeping everything else."""
    from regen.music.grading import grade, reference
    from regen.music.scores import read_score
    from regen.music.tasks import infill as run, write_outputs

    read = read_score(score, parts_needed=(4,))
    for w in read.warnings:
        typer.echo(f"note: {w}", err=True)
    net, sampler = _model_and_sampler(model, steps, temperature)
    res = run(net, read.grid, bars, voices, sampler, seed)
    _report("infill", write_outputs(res, out, "infilled", f"infill of {Path(score).stem} bars {bars}"),
            grade(res.grid, reference()))


@app.command("grade")
@_user_errors
def grade_cmd(files: List[str] = typer.Argument(..., help="four-part MusicXML/MIDI files or corpus names"),
              features: bool = typer.Option(False, "--features", help="also print every feature distance")) -> None:
    """Bach-likeness grade of each file (lower is better), then the median."""
    import numpy as np

    from regen.music.grading import FEATURES, grade_file, reference

    ref = reference()
    grades = []
    for f in files:
        g = grade_file(f, ref)
        grades.append(g["grade"])
        detail = "  " + " ".join(f"{k}={g[k]:.2f}" for k in FEATURES) if features else ""
        typer.echo(f"{f}\t{g['grade']:.2f}{detail}")
    typer.echo(f"median\t{float(np.median(grades)):.2f}")
