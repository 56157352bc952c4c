"""`regen speech corpus ...`: build, check and describe LJSpeech-layout corpora."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import List, Optional

import typer

from regen.cli.app import App
from regen.core.errors import RegenError

corpus_app = App(help="Build, check and describe LJSpeech-layout corpora.")

ConfigOpt = typer.Option("logmel-ch4", "--config", help="Mel config: a name under configs/speech or a YAML path.")


@corpus_app.command("build")
def corpus_build(
    voice: List[str] = typer.Option(..., "--voice", help="espeak:en-us, festival:kal or festival:slt (repeatable)."),
    out: Path = typer.Option(..., "--out", help="Corpus root folder (created; re-run to resume)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Use only the first N sentences."),
    rate: int = typer.Option(22050, "--rate", min=8000, help="Sample rate of the written WAVs."),
    sentences: str = typer.Option("bible", "--sentences", help="bible (the KJV list), everyday (the evaluation "
                                  "sentences, all held out), austen (Lady Susan, a second domain) or a UTF-8 "
                                  "text file."),
    features: str = typer.Option("logmel-ch4", "--features", help="Mel config for normalisation stats, or 'none'."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Sentences per synthesiser call."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars."),
) -> None:
    """Synthesise a corpus: one LJSpeech folder per voice, fixed held-out list, card.

    `--sentences everyday` records an evaluation set's reference readings the same way
    (e.g. --voice festival:slt --out data/eval-everyday for benchmarks/speech_tts.py)."""
    from regen.speech.data.build import build_corpus
    from regen.speech.data.card import corpus_summary, format_card
    from regen.speech.data.sentences import choose
    from regen.speech.features.mel import load_mel_config

    cfg = None if features == "none" else load_mel_config(features)
    if cfg is not None and cfg.sample_rate != rate:
        raise RegenError(f"--features {features} expects {cfg.sample_rate} Hz audio but --rate is {rate}")
    chosen, source, licence = choose(sentences, limit)
    start = time.perf_counter()
    fresh = not out.exists()
    try:
        build_corpus(out, voice, chosen, rate, batch_size, cfg, source, licence, progress=not quiet)
    except (RegenError, OSError):
        if fresh:  # e.g. a voice that is not installed: leave no half-built corpus (a resumed one is kept)
            shutil.rmtree(out, ignore_errors=True)
        raise
    typer.echo(format_card(corpus_summary(out)))
    typer.echo(f"built in {time.perf_counter() - start:.1f} s")


@corpus_app.command("info")
def corpus_info(path: Path = typer.Argument(..., help="A corpus root or any LJSpeech folder."),
                as_json: bool = typer.Option(False, "--json", help="Print the card as JSON.")) -> None:
    """Print the corpus card: sentences, hours, voices, rates, held-out list, source, licence."""
    from regen.speech.data.card import corpus_summary, format_card

    summary = corpus_summary(path)
    if as_json:
        summary["speakers"] = {k: {**v, "rates": dict(v["rates"])} for k, v in summary["speakers"].items()}
        typer.echo(json.dumps(summary, indent=1))
    else:
        typer.echo(format_card(summary))


@corpus_app.command("stats")
def corpus_stats(path: Path = typer.Argument(..., help="An LJSpeech folder (e.g. one voice of a corpus)."),
                 config: str = ConfigOpt,
                 resample: bool = typer.Option(False, "--resample", help="Resample WAVs to the config rate.")) -> None:
    """Compute (once) the per-mel-bin mean/std of a corpus's training items."""
    from regen.speech.data.build import voice_stats
    from regen.speech.data.load import is_corpus_root, load_corpus
    from regen.speech.features.mel import load_mel_config

    if is_corpus_root(path):
        raise RegenError(f"{path} holds several voices; give one voice folder, e.g. {path}/festival-slt")
    cfg = load_mel_config(config)
    report = load_corpus(path, cfg.sample_rate, resample)
    stats = voice_stats(report, cfg, progress=True)
    typer.echo(f"{path}/stats-{cfg.name}.json: {stats.utterances} utterances, {stats.frames} frames")
