"""`regen`: train, sample, evaluate, compare and inspect regeneration models.

User mistakes raise `RegenError` and are printed as one line, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from regen.cli.music import app as music_app
from regen.cli.speech import app as speech_app
from regen.core.checkpoint import read_checkpoint
from regen.core.errors import RegenError
from regen.core.recipe import load_config, open_checkpoint

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Regeneration learning: X -> Y' -> Y. Train with a YAML config, then sample or evaluate.")

OverrideOpt = typer.Option(None, "--set", help="Override a config field, e.g. --set trainer.max_steps=10 (repeatable).")


@app.command()
def train(config: Path = typer.Argument(..., help="YAML config, e.g. configs/image/digits-vq-tiny.yaml."),
          overrides: Optional[List[str]] = OverrideOpt,
          resume: bool = typer.Option(False, "--resume", help="Continue the run in --run-dir from its last checkpoint."),
          run_dir: Optional[Path] = typer.Option(None, help="Training state and logs (default runs/<name>)."),
          out: Optional[Path] = typer.Option(None, help="Where to write the final checkpoint (default <run-dir>/checkpoint).")) -> None:
    """Train every phase of a config (abstraction, renderer, converter, ...) and export a checkpoint."""
    recipe, cfg = load_config(config, overrides)
    run_dir = run_dir or Path("runs") / cfg.name
    target = recipe.train(cfg, run_dir, resume, out or run_dir / "checkpoint")
    typer.echo(f"checkpoint written to {target}")


@app.command()
def sample(checkpoint: Path = typer.Argument(..., help="A checkpoint directory."),
           out: Path = typer.Option(Path("out/samples"), help="Output directory."),
           n: int = typer.Option(10, min=1, help="Samples per condition."),
           seed: int = typer.Option(0, help="Random seed."),
           temperature: float = typer.Option(1.0, min=0.0, help="Sampling temperature.")) -> None:
    """Draw samples from a checkpoint and write them as files."""
    recipe, ckpt = open_checkpoint(checkpoint)
    for path in recipe.sample(ckpt, out, n, seed, temperature):
        typer.echo(f"wrote {path}")


@app.command()
def evaluate(checkpoint: Path = typer.Argument(..., help="A checkpoint directory.")) -> None:
    """Score a checkpoint on held-out data and print its metrics as JSON."""
    recipe, ckpt = open_checkpoint(checkpoint)
    typer.echo(json.dumps(recipe.evaluate(ckpt), indent=2))


@app.command()
def compare(checkpoints: List[Path] = typer.Argument(..., help="Checkpoint directories (regen and Direct)."),
            recompute: bool = typer.Option(False, help="Re-evaluate instead of using the metrics in meta.json.")) -> None:
    """A markdown table of regeneration models against their Direct baselines."""
    rows = []
    for path in checkpoints:
        recipe, ckpt = open_checkpoint(path)
        metrics = recipe.evaluate(ckpt) if recompute else ckpt.meta.get("metrics", {})
        cfg = ckpt.config
        rows.append((cfg.get("name", path.name), cfg.get("method", "?"),
                     (cfg.get("abstraction") or {}).get("kind", "-") if cfg.get("method") == "regen" else "-",
                     (cfg.get("data") or {}).get("label_fraction", "-"), ckpt.meta.get("parameters", 0), metrics))
    keys = sorted({k for row in rows for k in row[5]})
    typer.echo("| name | method | abstraction | labels | parameters | " + " | ".join(keys) + " |")
    typer.echo("|" + "---|" * (5 + len(keys)))
    for name, method, kind, frac, params, metrics in rows:
        values = " | ".join(f"{metrics[k]:.3f}" if k in metrics else "-" for k in keys)
        typer.echo(f"| {name} | {method} | {kind} | {frac} | {params:,} | {values} |")


@app.command()
def info(checkpoint: Path = typer.Argument(..., help="A checkpoint directory.")) -> None:
    """What a checkpoint is and how it was made (command, commit, seed, data, metrics)."""
    ckpt = read_checkpoint(checkpoint)
    typer.echo(f"checkpoint: {ckpt.path}")
    typer.echo(f"task: {ckpt.task}   name: {ckpt.config.get('name', '-')}   method: {ckpt.config.get('method', '-')}")
    for key in ("parameters", "command", "git_commit", "seed", "created", "train_seconds"):
        if key in ckpt.meta:
            typer.echo(f"{key}: {ckpt.meta[key]}")
    for key in ("data", "metrics", "phases"):
        if key in ckpt.meta:
            typer.echo(f"{key}: {json.dumps(ckpt.meta[key])}")


@app.command()
def demo(out: Path = typer.Option(Path("out"), help="Output directory for the demo page.")) -> None:
    """Run every domain's demo on the shipped checkpoints and write out/index.html."""
    from regen.cli.demo import run_demo

    typer.echo(f"open {run_demo(out)}")


app.add_typer(music_app, name="music")
app.add_typer(speech_app, name="speech", help="Speech: corpora, log-mel inversion, and text-to-speech (train, say, evaluate).")

image_app = typer.Typer(no_args_is_help=True, help="The digits image task.")
app.add_typer(image_app, name="image")


@image_app.command("classifier")
def image_classifier(out: Optional[Path] = typer.Option(None, help="Checkpoint directory (default: the shipped one)."),
                     seed: int = typer.Option(0)) -> None:
    """Retrain the digit classifier that judges samples."""
    from regen.vision.assets import build_classifier_asset

    typer.echo(f"classifier written to {build_classifier_asset(out, seed)}")


def main() -> None:
    """Entry point: run the CLI, turning user mistakes into one-line errors."""
    try:
        app()
    except RegenError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
