"""`regen text ...`: free sentences and template infilling with a text denoiser; sentences from keywords.

Training, evaluation and inspection are the generic `regen train/evaluate/info`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from regen.cli.app import App, refuse_output_dir
from regen.core.errors import RegenError

if TYPE_CHECKING:
    from regen.iterative.sampler import SamplerConfig
    from regen.text.drawing import Sentences
    from regen.text.tasks import TextModel

app = App(help="Sentences by SUNMASK (masked, step-unrolled denoising): sample, infill; and from keywords "
              "through a template.")

ModelOpt = typer.Option("text/sunmask-tiny", "--model", help="checkpoint directory or shipped name")
NOpt = typer.Option(4, "--n", min=1, max=10000, help="sentences to write")
StepsOpt = typer.Option(None, "--steps", min=1, help="sampling steps (default: from the checkpoint config)")
TempOpt = typer.Option(None, "--temperature", help="sampling temperature (> 0)")
SeedOpt = typer.Option(0, "--seed", min=0, help="sampling seed")
OutOpt = typer.Option(None, "--out", help="write the sentences to this file (default: print them)")


def _check_temperature(temperature: Optional[float]) -> None:
    if temperature is not None and not (math.isfinite(temperature) and temperature > 0):
        raise RegenError(f"--temperature must be a positive number, got {temperature}")


def _model_and_sampler(model: str, steps: Optional[int], temperature: Optional[float]
                       ) -> tuple[TextModel, SamplerConfig]:
    from regen.core.task import load_model

    _check_temperature(temperature)
    net, cfg, _ = load_model(model, task="text")
    sampler = cfg.sample
    if steps is not None:
        sampler = replace(sampler, steps=steps)
    if temperature is not None:
        sampler = replace(sampler, temperature=temperature)
    return net, sampler


def _write_lines(lines: list[str], drawn: Sentences, out: Optional[Path]) -> None:
    """Print `lines` (or write them to `out`); a one-line note on stderr for samples that said nothing."""
    from regen.core.files import atomic_write_text

    if drawn.missing:
        typer.echo(drawn.note(), err=True)
    if out is None:
        if lines:
            typer.echo("\n".join(lines))
        return
    atomic_write_text(out, "".join(line + "\n" for line in lines))
    typer.echo(f"wrote {len(lines)} sentences to {out}")


def _check_out(out: Optional[Path]) -> None:
    if out is not None:
        refuse_output_dir(out.parent, "--out's folder")
        if out.is_dir():
            raise RegenError(f"--out {out} is a folder; give a file name, e.g. {out / 'sentences.txt'}")


@app.command()
def sample(n: int = NOpt, model: str = ModelOpt, steps: Optional[int] = StepsOpt,
           temperature: Optional[float] = TempOpt, seed: int = SeedOpt, out: Optional[Path] = OutOpt) -> None:
    """Write N sentences sampled from noise, one per line (a sample without a word is drawn again)."""
    from regen.text.tasks import sentences

    _check_out(out)
    net, sampler = _model_and_sampler(model, steps, temperature)
    drawn = sentences(net, sampler, n, seed)
    _write_lines([net.vocabulary.decode(r.tolist()) for r in drawn.sentences], drawn, out)


@app.command()
def infill(template: str = typer.Argument(..., help="words with ___ slots, e.g. 'And God said ___ ___ light' "
                                                    "(each ___ is one token to write; the rest is kept)"),
           n: int = NOpt, model: str = ModelOpt, steps: Optional[int] = StepsOpt,
           temperature: Optional[float] = TempOpt, seed: int = SeedOpt, out: Optional[Path] = OutOpt) -> None:
    """Fill the ___ slots of TEMPLATE N times; its other words never change (a filling that reads as no word
    is drawn again)."""
    from regen.text.tasks import sentences

    _check_out(out)
    net, sampler = _model_and_sampler(model, steps, temperature)
    drawn = sentences(net, sampler, n, seed, template)
    _write_lines([net.vocabulary.decode(r.tolist()) for r in drawn.sentences], drawn, out)


@app.command("from-keywords")
def from_keywords(keywords: str = typer.Argument(..., help="one to three content words, e.g. 'light darkness'"),
                  n: int = NOpt,
                  model: str = typer.Option("text/template-tiny", "--model",
                                            help="keywords -> sentence checkpoint (text-template task)"),
                  temperature: Optional[float] = TempOpt, seed: int = SeedOpt, out: Optional[Path] = OutOpt,
                  templates: bool = typer.Option(False, "--templates",
                                                 help="show each sentence's template (Y') after it")) -> None:
    """Write N sentences around KEYWORDS: keywords -> template -> sentence (or Direct, by the checkpoint)."""
    from regen.core.task import load_model
    from regen.text.tasks import from_keywords as run

    _check_out(out)
    _check_temperature(temperature)
    net, cfg, _ = load_model(model, task="text-template")
    sample = cfg.sample if temperature is None else replace(cfg.sample, temperature=temperature)
    drawn, dropped = run(net, sample, keywords, n, seed)
    if dropped:
        typer.echo(f"note: {', '.join(dropped)} dropped: function words are the template's to place", err=True)
    lines = [net.vocabulary.decode(r.tolist()) for r in drawn.sentences]
    if templates and drawn.templates is not None:
        lines = [f"{line}  [{net.template_text(shape)}]" for line, shape in zip(lines, drawn.templates)]
    _write_lines(lines, drawn, out)
