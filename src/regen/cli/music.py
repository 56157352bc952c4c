"""`regen music ...`: what only chorales have (corpus counts, harmonize, infill, grade) and melodies for lyrics.

Training, sampling, evaluation and inspection are the generic `regen train/sample/evaluate/info`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import numpy as np
import typer

from regen.cli.app import App, refuse_output_dir
from regen.core.errors import RegenError

if TYPE_CHECKING:
    from regen.music.tasks import Result

app = App(help="Bach chorales with SUNMASK (masked, step-unrolled denoising): harmonize, infill, grade; "
               "melodies for lyrics (melody).")

ModelOpt = typer.Option("music/sunmask-conv-tiny", "--model", help="checkpoint directory or shipped name")
StepsOpt = typer.Option(None, "--steps", min=1, help="sampling steps (default: from the checkpoint config)")
TempOpt = typer.Option(None, "--temperature", help="sampling temperature (> 0)")
SeedOpt = typer.Option(0, "--seed", min=0, help="sampling seed")
BestOfOpt = typer.Option(None, "--best-of", min=1, max=256,
                         help="draw N candidates and keep the best graded (default: the checkpoint's, 1)")
OutOpt = typer.Option(..., "--out", help="output folder")


def _model_and_sampler(model: str, steps: Optional[int], temperature: Optional[float], best_of: Optional[int]):
    """(network, sampler, the checkpoint's meta)."""
    from regen.core.task import load_model
    from regen.music.tasks import sampler_with

    if temperature is not None and not (math.isfinite(temperature) and temperature > 0):
        raise RegenError(f"--temperature must be a positive number, got {temperature}")
    net, cfg, meta = load_model(model, task="music")
    return net, sampler_with(cfg.sample, steps, temperature, best_of), meta


def _report(name: str, result: Result, paths: dict) -> None:
    """The written files and the result's grade; with best-of, first the grades it was chosen from (stderr)."""
    from regen.music.grading import grade_grid
    from regen.music.tasks import best_of_line

    if result.candidates:
        typer.echo(best_of_line(name, result), err=True)
    score = grade_grid(result.grid)["grade"] if result.grade is None else result.grade
    typer.echo(f"{name}: {', '.join(str(p) for p in paths.values())}  grade {score:.2f}")


@app.command()
def data() -> None:
    """Prepare the Bach chorale corpus (once; cached) and print its counts."""
    from regen.music.corpus import load_corpus

    typer.echo("\n".join(load_corpus().summary()))


@app.command()
def harmonize(score: str = typer.Argument(..., help="MusicXML/MIDI file or music21 corpus name; "
                                                    "its top part is the melody"),
              out: Path = OutOpt, model: str = ModelOpt, steps: Optional[int] = StepsOpt,
              temperature: Optional[float] = TempOpt, seed: int = SeedOpt,
              best_of: Optional[int] = BestOfOpt) -> None:
    """Keep the melody (the top part) of SCORE exactly as written, with its meter, pickup, key and
    fermatas, and write alto, tenor and bass under it, in its measures; any length."""
    from regen.core.files import check_output_dir
    from regen.music.arrangement import Arrangement
    from regen.music.scores import parse_score, score_to_grid
    from regen.music.tasks import harmonize as run, write_outputs

    refuse_output_dir(out)
    parsed = parse_score(score)
    read = score_to_grid(parsed, score, parts_needed=(1, 4))
    for w in read.warnings:
        typer.echo(f"note: {w}", err=True)
    net, sampler, _ = _model_and_sampler(model, steps, temperature, best_of)
    res = run(net, read.grid, sampler, seed)
    check_output_dir(out)  # only once every input is known good, so a mistake leaves no empty folder
    given = Arrangement(parsed, (0, None, None, None))
    _report("harmonization", res, write_outputs(res, out, "harmonized", f"harmonization of {Path(score).stem}",
                                                given))


@app.command()
def infill(score: str = typer.Argument(..., help="four-part MusicXML/MIDI file or music21 corpus name"),
           bars: str = typer.Option(..., "--bars", help="bars to rewrite, 1-based and inclusive, e.g. 3-5 "
                                    "(a bar is 16 sixteenths counted from the start of the score)"),
           voices: Optional[str] = typer.Option(None, "--voices",
                                                help="voices to rewrite, e.g. alto,tenor (default all)"),
           out: Path = OutOpt, model: str = ModelOpt, steps: Optional[int] = StepsOpt,
           temperature: Optional[float] = TempOpt, seed: int = SeedOpt,
           best_of: Optional[int] = BestOfOpt) -> None:
    """Rewrite some voices in some bars of SCORE, keeping everything else as written (the other voices
    whole, the rewritten ones outside the measures the bars touch; meter, pickup, key and fermatas)."""
    from fractions import Fraction

    from regen.core.files import check_output_dir
    from regen.music.arrangement import Arrangement
    from regen.music.grid import STEPS_PER_BAR, STEPS_PER_QUARTER
    from regen.music.scores import parse_score, score_to_grid
    from regen.music.tasks import infill as run, parse_bars, parse_voices, write_outputs

    refuse_output_dir(out)
    parsed = parse_score(score)
    read = score_to_grid(parsed, score, parts_needed=(4,))
    for w in read.warnings:
        typer.echo(f"note: {w}", err=True)
    start, end = parse_bars(bars, -(-read.grid.shape[1] // STEPS_PER_BAR))  # cheap checks before the model loads
    rewritten = parse_voices(voices)
    net, sampler, _ = _model_and_sampler(model, steps, temperature, best_of)
    res = run(net, read.grid, bars, voices, sampler, seed)
    check_output_dir(out)  # only once every input is known good, so a mistake leaves no empty folder
    given = Arrangement(parsed, tuple(None if v in rewritten else v for v in range(4)),
                        (Fraction(start, STEPS_PER_QUARTER), Fraction(end, STEPS_PER_QUARTER)))
    _report("infill", res, write_outputs(res, out, "infilled", f"infill of {Path(score).stem} bars {bars}", given))


@app.command("grade")
def grade_cmd(files: List[str] = typer.Argument(..., help="four-part MusicXML/MIDI files or corpus names"),
              features: bool = typer.Option(False, "--features", help="also print every feature distance")) -> None:
    """The published "Bach or Mock?" grade of each file (Fang et al., 2020), then the median: nine
    feature distances to the authors' Bach statistics, summed, as music21 reads the file; lower is
    more Bach-like, inf where the grader cannot measure a chorale (no notes, a voice without intervals)."""
    import numpy as np

    from regen.music.grading import FEATURES, grade_source

    grades = []
    for f in files:
        g = grade_source(f)
        grades.append(g["grade"])
        detail = "  " + " ".join(f"{k}={g[k]:.2f}" for k in FEATURES) if features else ""
        typer.echo(f"{f}\t{g['grade']:.2f}{detail}")
    typer.echo(f"median\t{float(np.median(grades)):.2f}")


@app.command()
def augment(out: Path = typer.Option(..., "--out", help="the .npz to write (for --set data.augment=FILE)"),
            n: int = typer.Option(400, "--n", min=1, max=100000, help="samples to draw"),
            keep: int = typer.Option(80, "--keep", min=1, help="how many of the best-graded to keep"),
            model: str = ModelOpt, steps: Optional[int] = StepsOpt, temperature: Optional[float] = TempOpt,
            seed: int = SeedOpt) -> None:
    """Augmented generative training's data: the model's best-graded of N samples, as extra training
    windows (`regen train music/... --set data.augment=FILE --set trainer.init_from=MODEL`)."""
    from regen.music.augment import best_samples, save_augmentation

    if keep > n:
        raise RegenError(f"--keep {keep} is more than --n {n}; keep at most as many samples as are drawn")
    if out.suffix != ".npz":
        raise RegenError(f"--out {out} must end in .npz")
    net, sampler, meta = _model_and_sampler(model, steps, temperature, 1)
    grids, grades = best_samples(net, sampler, n, keep, seed)
    source = {"model": model, "weights_sha256": meta.get("weights_sha256"), "drawn": n, "kept": keep, "seed": seed,
              "sampler": {k: getattr(sampler, k) for k in ("steps", "temperature", "top_k", "top_p", "typical")}}
    save_augmentation(out, grids, grades, source)
    typer.echo(f"kept {keep} of {n} samples (grade {grades[0]:.2f} to {grades[-1]:.2f}, median of all kept "
               f"{float(np.median(grades)):.2f}) in {out}")


@app.command()
def melody(lyrics: Optional[str] = typer.Option(None, "--lyrics", help="the lyrics (one phrase; or --lyrics-file)"),
           lyrics_file: Optional[Path] = typer.Option(None, "--lyrics-file",
                                                      help="UTF-8 text file, one line per phrase"),
           out: Path = OutOpt,
           key: str = typer.Option("C", "--key", help="key: a tonic with an optional 'm' for minor (G, F#m, Bb)"),
           meter: str = typer.Option("4/4", "--meter", help="time signature, e.g. 3/4 or 6/8"),
           language: str = typer.Option("en", "--language",
                                        help="lyric language code (en: CMU stress; others: a stress rule); "
                                             "Chinese, Japanese and Korean are split by their script whatever "
                                             "the code: a note per Han character, kana mora, Hangul block"),
           n: int = typer.Option(1, "--n", min=1, max=100, help="melodies to write"),
           model: Optional[str] = typer.Option(None, "--model", help="checkpoint directory (default: the shipped "
                                                                     "music/melody-tiny)"),
           temperature: Optional[float] = TempOpt, seed: int = SeedOpt) -> None:
    """Write N melodies for the lyrics: MusicXML with each syllable under its note, MIDI and a piano roll."""
    import re

    from regen.core.assets import asset_names
    from regen.core.files import check_output_dir
    from regen.core.task import load_model
    from regen.music.melody.compose import compose, key_name, parse_key, parse_meter
    from regen.music.melody.output import lyric_line, write_melody
    from regen.music.melody.syllables import lyric_syllables
    from regen.music.melody.task import SHIPPED

    refuse_output_dir(out)
    if (lyrics is None) == (lyrics_file is None):
        raise RegenError("give the lyrics with --lyrics TEXT or --lyrics-file FILE (one of them)")
    if lyrics_file is not None:
        try:
            lyrics = lyrics_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RegenError(f"cannot read --lyrics-file {lyrics_file}: {exc}") from None
    text = lyrics or ""
    if not text.strip():
        raise RegenError("the lyrics are empty; give some words, e.g. --lyrics \"Amazing grace, how sweet the sound\"")
    if not re.fullmatch(r"[a-z]{2,3}", language):
        raise RegenError(f"--language {language!r} is not a language code such as en, de, it or la")
    tonic, mode = parse_key(key)
    signature = parse_meter(meter)
    if temperature is not None and not (math.isfinite(temperature) and temperature > 0):
        raise RegenError(f"--temperature must be a positive number, got {temperature}")
    syllables = lyric_syllables(text, language)
    if model is None and SHIPPED not in asset_names():
        raise RegenError(f"no shipped {SHIPPED} checkpoint yet; train it with `regen train {SHIPPED} --out "
                         f"src/regen/assets/{SHIPPED}` (about 25 minutes on 2 CPU cores) or pass --model DIR")
    net, cfg, _ = load_model(model or SHIPPED, task="music-melody")
    melodies = compose(net, syllables, tonic, mode, signature, n, seed,
                       cfg.sample.temperature if temperature is None else temperature, cfg.sample.top_k)
    check_output_dir(out)  # only once every input is known good, so a mistake leaves no empty folder
    title = lyric_line(syllables)
    for i, sung in enumerate(melodies, start=1):
        paths = write_melody(sung, out, f"melody-{i:02d}", title[:80])
        typer.echo(f"melody {i} ({len(syllables)} syllables, {key_name(tonic, mode)}, {signature}): "
                   f"{', '.join(str(p) for p in paths)}")
