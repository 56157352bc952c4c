"""`regen`: train, sample, evaluate, compare and inspect the models of every task.

The generic commands serve every registered task (regen.core.task); the domain groups
(`regen music ...`, `regen speech ...`, `regen text ...`) hold only what is specific
to a domain. User mistakes are printed as one line, never a traceback.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import List, Optional

import typer

from regen.cli.app import App, refuse_output_dir
from regen.cli.music import app as music_app
from regen.cli.serve import serve
from regen.cli.speech import app as speech_app
from regen.cli.text import app as text_app
from regen.core.errors import RegenError

app = App(help="Regeneration learning: X -> Y' -> Y. Train with a config, then sample, evaluate or compare.")

OverrideOpt = typer.Option(None, "--set", help="Override a config field, e.g. --set phases.model.max_steps=50 "
                                                "(repeatable).")


@app.callback()
def _options(ctx: typer.Context, cache_dir: Optional[Path] = typer.Option(
        None, "--cache-dir", help="Folder for prepared data (default $REGEN_CACHE_DIR, $XDG_CACHE_HOME/regen or "
                                  "~/.cache/regen)."),
        threads: Optional[str] = typer.Option(
            None, "--threads", help="CPU threads: a count or 'auto' (default $REGEN_THREADS, else auto: the free "
                                    "cores, one beside another regen process). Also accepted after any command.")
        ) -> None:
    from regen.core.threads import ENV, explicit_threads, parse_threads, resolve_threads, set_thread_environment

    if threads is not None:
        count = parse_threads(threads)
        if count is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = str(count)
    if cache_dir is not None:
        refuse_output_dir(cache_dir, "--cache-dir")
        os.environ["REGEN_CACHE_DIR"] = str(cache_dir)
    # before any command imports torch: OpenMP reads these when it starts
    set_thread_environment(resolve_threads(), "explicit" if explicit_threads() is not None else "auto",
                           passive=ctx.invoked_subcommand == "train")


@app.command()
def train(config: str = typer.Argument(..., help="A shipped config name (e.g. image/digits-vq-tiny, see "
                                                 "`regen configs`) or a YAML file."),
          overrides: Optional[List[str]] = OverrideOpt,
          resume: bool = typer.Option(False, "--resume", help="Continue the run in --run-dir from its last checkpoint."),
          run_dir: Optional[Path] = typer.Option(None, help="Training state and logs (default runs/<name>)."),
          out: Optional[Path] = typer.Option(None, help="Where to write the checkpoint (default <run-dir>/checkpoint)."),
          evaluate: bool = typer.Option(True, "--evaluate/--no-evaluate",
                                        help="Score the checkpoint after training (metrics go to meta.json).")) -> None:
    """Train every phase of a config (abstraction, renderer, converter, ...) and write a checkpoint."""
    from regen.core.run_config import load_run_config
    from regen.train.run import train_run

    cfg = load_run_config(config, overrides)
    run_dir = run_dir or Path("runs") / cfg.name
    written = train_run(cfg, run_dir, resume, out, evaluate)
    if written is not None:  # DDP: only rank zero writes, and says so
        typer.echo(f"checkpoint written to {written}")


@app.command()
def sample(checkpoint: str = typer.Argument(..., help="A checkpoint directory or a shipped name (regen configs)."),
           out: Path = typer.Option(Path("out/samples"), help="Output folder."),
           n: int = typer.Option(4, min=1, max=1000, help="Samples (per condition, where a task has conditions)."),
           seed: int = typer.Option(0, min=0, help="Random seed."),
           temperature: Optional[float] = typer.Option(None, help="Sampling temperature (> 0; default: the config's)."),
           best_of: Optional[int] = typer.Option(None, "--best-of", min=1, max=256,
                                                 help="Draw N candidates per sample and keep the best graded "
                                                      "(tasks with a grader: music).")
           ) -> None:
    """Draw samples from a checkpoint and write them as standard files (PNG, MIDI, MusicXML, WAV)."""
    from regen.core.files import check_output_dir
    from regen.core.task import open_checkpoint

    if temperature is not None and not (math.isfinite(temperature) and temperature > 0):
        raise RegenError(f"--temperature must be a positive number, got {temperature}")
    refuse_output_dir(out)
    task, ckpt = open_checkpoint(checkpoint)
    cfg, model = task.load(ckpt)
    if best_of is not None:
        if not hasattr(cfg.sample, "best_of"):
            raise RegenError(f"--best-of needs a task that grades its samples (music); {task.name} has no grader")
        cfg.sample = replace(cfg.sample, best_of=best_of)
    check_output_dir(out)  # after the checkpoint loads, so a bad checkpoint leaves no empty folder behind
    for path in task.sample(cfg, model, out, n, seed, temperature):
        typer.echo(f"wrote {path}")


@app.command()
def evaluate(checkpoint: str = typer.Argument(..., help="A checkpoint directory or a shipped name.")) -> None:
    """Score a checkpoint on held-out data and print its metrics as JSON."""
    from regen.core.provenance import seed_everything
    from regen.core.task import open_checkpoint

    task, ckpt = open_checkpoint(checkpoint)
    cfg, model = task.load(ckpt)
    seed_everything(cfg.seed)
    typer.echo(json.dumps(task.evaluate(cfg, model), indent=2))


@app.command()
def compare(checkpoints: List[str] = typer.Argument(..., help="Checkpoints (regeneration models and Direct)."),
            recompute: bool = typer.Option(False, help="Re-evaluate instead of using the metrics in meta.json.")) -> None:
    """A markdown table of checkpoints side by side: task, method, parameters, metrics."""
    from regen.core.provenance import seed_everything
    from regen.core.task import open_checkpoint

    rows = []
    for name in checkpoints:
        task, ckpt = open_checkpoint(name)
        if recompute:
            cfg, model = task.load(ckpt)
            seed_everything(cfg.seed)
            metrics = task.evaluate(cfg, model)
        else:
            metrics = ckpt.meta.get("metrics", {})
        model_cfg = ckpt.config.get("model") or {}
        method = model_cfg.get("method") or model_cfg.get("objective") or ckpt.task
        rows.append((ckpt.config.get("name", Path(name).name), ckpt.task, method,
                     ckpt.meta.get("parameters", 0), metrics))
    keys = sorted({k for row in rows for k, v in row[4].items() if isinstance(v, (int, float))})
    typer.echo("| name | task | method | parameters | " + " | ".join(keys) + " |")
    typer.echo("|" + "---|" * (4 + len(keys)))
    for name, task_name, method, params, metrics in rows:
        values = " | ".join(f"{metrics[k]:.3f}" if isinstance(metrics.get(k), (int, float)) else "-" for k in keys)
        typer.echo(f"| {name} | {task_name} | {method} | {params:,} | {values} |")


@app.command()
def info(checkpoint: str = typer.Argument(..., help="A checkpoint directory or a shipped name.")) -> None:
    """What a checkpoint is and how it was made (command, commit, seed, data, metrics)."""
    from regen.core.assets import resolve_checkpoint
    from regen.core.checkpoint import read_checkpoint

    ckpt = read_checkpoint(resolve_checkpoint(checkpoint))
    typer.echo(f"checkpoint: {ckpt.path}")
    typer.echo(f"task: {ckpt.task}   name: {ckpt.config.get('name', '-')}")
    meta = dict(ckpt.meta)
    if isinstance(meta.get("phases"), dict):  # the phases' training time, summed across resumes
        meta["train_seconds"] = round(sum(float(p.get("seconds", 0.0)) for p in meta["phases"].values()), 2)
    for key in ("parameters", "command", "git_commit", "seed", "created", "train_seconds"):
        if key in meta:
            typer.echo(f"{key}: {meta[key]}")
    for key in ("data", "metrics", "phases"):
        if key in ckpt.meta:
            typer.echo(f"{key}: {json.dumps(ckpt.meta[key])}")


@app.command()
def configs() -> None:
    """List the shipped configs (for `regen train`) and checkpoints (for sample/evaluate/info)."""
    from regen.core.assets import asset_names
    from regen.core.config import config_names, find_config, read_yaml

    names = [n for n in config_names() if "/logmel-" not in n]
    shipped = asset_names()
    rows = [(name, str(read_yaml(find_config(name)).get("task", "-")),
             "shipped" if name in shipped else "-") for name in names]
    rows += [(name, "-", "shipped (made by a command, not a config)") for name in shipped if name not in names]
    widths = [max(len(row[i]) for row in [("config", "task", "checkpoint"), *rows]) for i in range(2)]
    typer.echo(f"{'config':<{widths[0]}}  {'task':<{widths[1]}}  checkpoint")
    for name, task, ckpt in rows:
        typer.echo(f"{name:<{widths[0]}}  {task:<{widths[1]}}  {ckpt}")
    typer.echo(f"\n{len(names)} configs (`regen train NAME`; *-tiny train on this CPU, *-paper use the papers' sizes), "
               f"{len(shipped)} shipped checkpoints (`regen sample/evaluate/info NAME`)")


@app.command()
def demo(out: Path = typer.Option(Path("out"), help="Output folder for the demo page.")) -> None:
    """Run every task's demo on the shipped checkpoints and write out/index.html."""
    from regen.cli.demo import run_demo
    from regen.core.files import check_output_dir

    check_output_dir(out)
    typer.echo(f"open {run_demo(out)}")


app.command("serve")(serve)
app.add_typer(music_app, name="music")
app.add_typer(speech_app, name="speech")
app.add_typer(text_app, name="text")

image_app = App(help="The digits image task: the classifier that judges samples.")
app.add_typer(image_app, name="image")


@image_app.command("classifier")
def image_classifier(out: Optional[Path] = typer.Option(None, help="Checkpoint folder (default: the shipped one)."),
                     seed: int = typer.Option(0, min=0)) -> None:
    """Retrain the digit classifier that judges samples."""
    from regen.core.files import check_output_dir
    from regen.vision.assets import build_classifier_asset

    if out is not None:
        check_output_dir(out)  # before training; save_checkpoint would replace a file of that name
    typer.echo(f"classifier written to {build_classifier_asset(out, seed)}")


def _threads_first(argv: list[str]) -> list[str]:
    """`--threads N` (or `--threads=N`) given after a command, moved to the front where the root
    option reads it; the text after a `--` is left alone."""
    end = argv.index("--") if "--" in argv else len(argv)
    for i, arg in enumerate(argv[:end]):
        if arg.startswith("--threads="):
            return [arg, *argv[:i], *argv[i + 1:]]
        if arg == "--threads" and i + 1 < end:
            return [arg, argv[i + 1], *argv[:i], *argv[i + 2:]]
    return argv


def main() -> None:
    """Entry point: run the CLI (every command already turns user mistakes into one line)."""
    try:
        app(args=_threads_first(sys.argv[1:]))
    except RegenError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
