"""`regen speech …`: build and inspect speech corpora, invert log-mels to audio."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import List, Optional

import numpy as np
import typer

from regen.core.errors import RegenError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Speech data: corpora, log-mel features and mel inversion.")
corpus_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                         help="Build, check and describe LJSpeech-layout corpora.")
app.add_typer(corpus_app, name="corpus")

ConfigOpt = typer.Option("logmel-ch4", "--config", help="Mel config: a name under configs/speech or a YAML path.")


@corpus_app.command("build")
def corpus_build(
    voice: List[str] = typer.Option(..., "--voice", help="espeak:en-us, festival:kal or festival:slt (repeatable)."),
    out: Path = typer.Option(..., "--out", help="Corpus root folder (created; re-run to resume)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Use only the first N sentences."),
    rate: int = typer.Option(22050, "--rate", min=8000, help="Sample rate of the written WAVs."),
    sentences_file: Optional[Path] = typer.Option(None, "--sentences", help="Own UTF-8 text instead of the KJV list."),
    features: str = typer.Option("logmel-ch4", "--features", help="Mel config for normalisation stats, or 'none'."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Sentences per synthesiser call."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars."),
) -> None:
    """Synthesise a corpus: one LJSpeech folder per voice, fixed held-out list, card."""
    from regen.speech import sentences as sentence_source
    from regen.speech.corpus_build import build_corpus
    from regen.speech.corpus_card import corpus_summary, format_card
    from regen.speech.mel import load_mel_config

    cfg = None if features == "none" else load_mel_config(features)
    if cfg is not None and cfg.sample_rate != rate:
        raise RegenError(f"--features {features} expects {cfg.sample_rate} Hz audio but --rate is {rate}")
    if sentences_file is not None:
        chosen = sentence_source.from_text_file(sentences_file, limit)
        source, licence = f"user text {sentences_file}", "as given by the user"
    else:
        chosen = sentence_source.sentences(limit)
        source, licence = sentence_source.SOURCE, sentence_source.LICENCE
    start = time.perf_counter()
    build_corpus(out, voice, chosen, rate, batch_size, cfg, source, licence, progress=not quiet)
    typer.echo(format_card(corpus_summary(out)))
    typer.echo(f"built in {time.perf_counter() - start:.1f} s")


@corpus_app.command("info")
def corpus_info(path: Path = typer.Argument(..., help="A corpus root or any LJSpeech folder."),
                as_json: bool = typer.Option(False, "--json", help="Print the card as JSON.")) -> None:
    """Print the corpus card: sentences, hours, voices, rates, held-out list, source, licence."""
    from regen.speech.corpus_card import corpus_summary, format_card

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
    from regen.speech.corpus_build import voice_stats
    from regen.speech.corpus_load import is_corpus_root, load_corpus
    from regen.speech.mel import load_mel_config

    if is_corpus_root(path):
        raise RegenError(f"{path} holds several voices; give one voice folder, e.g. {path}/festival-slt")
    cfg = load_mel_config(config)
    report = load_corpus(path, cfg.sample_rate, resample)
    stats = voice_stats(report, cfg, progress=True)
    typer.echo(f"{path}/stats-{cfg.name}.json: {stats.utterances} utterances, {stats.frames} frames")


@app.command("invert")
def invert(
    file: Path = typer.Argument(..., help="A log-mel .npy (frames, n_mels) or a WAV (analysed, then inverted)."),
    method: str = typer.Option("gl", "--method", help="gl, lbfgs or lbfgs-gl."),
    out: Path = typer.Option(..., "--out", help="Output WAV."),
    iterations: int = typer.Option(64, "--iterations", min=1, help="Iterations (Griffin-Lim or L-BFGS)."),
    momentum: float = typer.Option(0.99, "--momentum", help="Fast Griffin-Lim momentum; 0 for the original."),
    config: str = ConfigOpt,
    stats: Optional[Path] = typer.Option(None, "--stats", help="stats-*.json to undo normalisation of a .npy."),
    resample: bool = typer.Option(False, "--resample", help="Resample a WAV to the config rate."),
    png: Optional[Path] = typer.Option(None, "--png", help="Also draw target and result spectrograms."),
) -> None:
    """Turn a log-mel (or a WAV, as a round trip) back into audio."""
    from regen.speech.audio import load_wav, require_audible, save_wav
    from regen.speech.inversion import METHODS, invert_log_mel
    from regen.speech.mel import MelStats, load_mel_config, log_mel
    from regen.speech.metrics import compare_waveforms

    if method not in METHODS:
        raise RegenError(f"unknown inversion method '{method}'; choose one of {', '.join(METHODS)}")
    cfg = load_mel_config(config)
    reference = None
    if file.suffix.lower() == ".npy":
        target = _read_mel(file, cfg.n_mels)
        if stats is not None:
            target = MelStats.load(stats).denormalize(target)
    elif file.suffix.lower() == ".wav":
        reference, rate = load_wav(file)
        if rate != cfg.sample_rate and not resample:
            raise RegenError(f"{file} is at {rate} Hz but config '{cfg.name}' needs {cfg.sample_rate} Hz; "
                             "pass --resample or choose another --config")
        reference, _ = load_wav(file, cfg.sample_rate)
        require_audible(reference, str(file))
        target = log_mel(reference, cfg)
    else:
        raise RegenError(f"{file} is neither a .npy log-mel nor a .wav file")
    start = time.perf_counter()
    wave = invert_log_mel(target, cfg, method, iterations, momentum).numpy()
    seconds = time.perf_counter() - start
    save_wav(out, wave, cfg.sample_rate)
    result = log_mel(wave, cfg)
    frames = min(result.shape[0], target.shape[0])
    l1 = float((result[:frames] - target[:frames]).abs().mean())
    typer.echo(f"wrote {out}: {len(wave) / cfg.sample_rate:.2f} s of audio in {seconds:.2f} s "
               f"({method}, {iterations} iterations); mel L1 {l1:.3f}")
    if reference is not None:
        scores = compare_waveforms(reference, wave, cfg)
        typer.echo("  " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()))
    if png is not None:
        from regen.speech.figures import save_spectrogram_png

        save_spectrogram_png(png, [target.numpy(), result.numpy()], ["target log-mel", f"after {method}"],
                             cfg.hop_length / cfg.sample_rate)
        typer.echo(f"wrote {png}")


def _read_mel(path: Path, n_mels: int) -> "torch.Tensor":  # noqa: F821
    import torch

    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise RegenError(f"{path} is not a readable .npy array ({exc})") from None
    if array.ndim != 2 or n_mels not in array.shape:
        raise RegenError(f"{path} has shape {array.shape}; expected (frames, {n_mels})")
    if array.shape[1] != n_mels:
        array = array.T
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
