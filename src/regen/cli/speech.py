"""`regen speech …`: corpora, mel inversion, synthesis and evaluation against recordings.

Training is the generic `regen train speech/<config> --set data.corpus=DIR`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np
import typer

from regen.cli.app import App, refuse_output_file
from regen.cli.corpus import ConfigOpt, corpus_app
from regen.cli.continue_speech import continue_
from regen.cli.transcribe import transcribe
from regen.core.errors import RegenError

if TYPE_CHECKING:
    from regen.speech.data.load import Item
    from regen.speech.tts.speaker import Speaker

app = App(help="Speech: corpora, text-to-speech (say, in several voices: voices), speech recognition (transcribe), "
          "log-mel inversion, evaluation on recordings.")
app.add_typer(corpus_app, name="corpus")



SHIPPED_MODELS = {"duration": "duration-tiny", "repmix": "repmix-tiny", "rmelnet": "rmelnet-tiny"}
DEFAULT_MODEL = "repmix"  # heard best on the development sentences of its voice (benchmarks/RESULTS.md)
VOICE_MODEL = "duration"  # the default as soon as a voice, a rate or a pitch shift is asked for


def _model_path(model: Optional[str], checkpoint: Optional[Path]) -> Path | str:
    if checkpoint is not None:
        if model is not None:
            raise RegenError("give either --model or --checkpoint, not both")
        return checkpoint
    name = model or DEFAULT_MODEL
    if name not in SHIPPED_MODELS:
        raise RegenError(f"unknown model '{name}'; choose one of {', '.join(SHIPPED_MODELS)} or pass --checkpoint DIR")
    return f"speech/{SHIPPED_MODELS[name]}"


@app.command("say")
def say(
    text: Optional[str] = typer.Argument(None, help="What to say (or use --text-file)."),
    out: Path = typer.Option(..., "--out", help="Output file: .wav, .flac or .mp3 (by its suffix); '-' writes "
                             "the audio to stdout (WAV, or --format); with --text-file, a folder (one file per "
                             "line) or '-' (all lines in one stream, 0.5 s of silence between them)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="wav (default), flac or mp3: the format of the stream "
                                      "of --out - and of the files of --text-file (a file's suffix says its own)."),
    model: Optional[str] = typer.Option(None, "--model", help="Shipped model: repmix (default; the thesis's attention "
                                        "model, festival's slt voice), duration (four voices, --voice, --rate, "
                                        "--pitch-shift; the default when one of those is given) or rmelnet."),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="Own converter checkpoint instead of --model."),
    vocoder: str = typer.Option("istft", "--vocoder", help="istft (iSTFT vocoder), gl (Griffin-Lim), lbfgs or "
                                "neural (WaveRNN)."),
    vocoder_checkpoint: Optional[Path] = typer.Option(None, "--vocoder-checkpoint",
                                                      help="Own vocoder for --vocoder neural or istft (default: shipped)."),
    voice: Optional[str] = typer.Option(None, "--voice", help="Voice of the duration model, e.g. kal or "
                                        "festival:kal (list them: regen speech voices), or a new voice mixed "
                                        "from them, e.g. slt@0.6,kal@0.4."),
    rate: float = typer.Option(1.0, "--rate", help="Speaking rate of the duration model: 1 the model's own pace "
                               "(`regen speech calibrate` a copy for the voice's), 1.5 half again as fast, 0.8 "
                               "slower."),
    pitch_shift: float = typer.Option(0.0, "--pitch-shift", help="Pitch of the duration model moved by this "
                                      "many semitones (e.g. -3, 2.5)."),
    input_mode: Optional[str] = typer.Option(None, "--input-mode", help="mixed (the attention models' default), "
                                             "chars or phones (the duration model reads phones only)."),
    text_file: Optional[Path] = typer.Option(None, "--text-file", help="UTF-8 file: one audio file per non-empty "
                                             "line (or one stream with --out -)."),
    alignment: Optional[Path] = typer.Option(None, "--alignment", help="Also draw the attention alignment (PNG)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (prenet dropout, mixing, noise)."),
    iterations: int = typer.Option(64, "--iterations", min=1, help="Griffin-Lim / L-BFGS iterations."),
) -> None:
    """Synthesise speech: text -> log-mel (converter) -> waveform (renderer). With --out -, stdout holds
    the audio alone (e.g. `regen speech say "Amen." --out - | aplay`); messages go to stderr."""
    from regen.core.progress import progress
    from regen.core.threads import apply_threads
    from regen.speech.tts.output import plan_output
    from regen.speech.tts.speaker import INPUT_MODES, Speaker

    apply_threads(cap=1)  # a second thread does not speed synthesis up (benchmarks/threads.py)

    if (text is None) == (text_file is None):
        raise RegenError("give the text to say, or --text-file FILE (not both)")
    if input_mode is not None and input_mode not in INPUT_MODES:
        raise RegenError(f"unknown input mode '{input_mode}'; choose one of {', '.join(INPUT_MODES)}")
    if not 0.25 <= rate <= 4:
        raise RegenError(f"--rate must lie in [0.25, 4] (1 is the model's own pace), got {rate}")
    if not -12 <= pitch_shift <= 12:
        raise RegenError(f"--pitch-shift must lie in [-12, 12] semitones, got {pitch_shift}")
    lines, numbers = [text or ""], None
    if text_file is not None:
        try:
            raw = text_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise RegenError(f"cannot read --text-file {text_file}: {exc}") from None
        numbers = [n for n, line in enumerate(raw, start=1) if line.strip()]
        lines = [raw[n - 1] for n in numbers]
        if not lines:
            raise RegenError(f"{text_file} has no non-empty line to say")
        if alignment is not None:
            raise RegenError("--alignment draws one text's attention; leave it out with --text-file")
    output = plan_output(out, fmt, numbers)
    for target in output.targets or []:  # checks that create nothing: a later mistake leaves no empty folder behind
        refuse_output_file(target)
    if alignment is not None:
        refuse_output_file(alignment, "--alignment")
    if model is None and checkpoint is None and (voice or rate != 1.0 or pitch_shift != 0.0):
        model = VOICE_MODEL
    speaker = Speaker.from_checkpoints(_model_path(model, checkpoint), vocoder, vocoder_checkpoint, iterations)
    controls = _voice_controls(speaker, voice, rate, pitch_shift)
    waves, failed = [], 0
    with progress(lines, desc="saying lines", unit="line", enabled=len(lines) > 1) as bar:
        for k, line in enumerate(bar):
            try:
                speech = speaker.say(line, input_mode=input_mode, seed=seed,
                                     progress=len(lines) < 2 and len(line) > 200, **controls)
            except RegenError as exc:  # one bad line of a text file: reported, the others still said
                if numbers is None:
                    raise
                failed += 1
                with bar.external_write_mode():
                    typer.echo(f"error: {text_file}:{numbers[k]}: {exc}", err=True)
                continue
            if output.to_stdout:
                waves.append(speech.wave)
            else:
                output.save(k, speech.wave, speech.sample_rate)
    where = f"{output.fmt.upper()} to stdout" if output.to_stdout else str(out)
    if output.to_stdout and waves:
        output.write_stdout(waves, speech.sample_rate)
    if text_file is None:
        ok = sum(p.success for p in speech.phrases)
        typer.echo(f"wrote {where}: {speech.seconds:.2f} s, {len(speech.phrases)} phrase(s), {ok} with a clean "
                   "alignment", err=output.to_stdout)
    elif len(lines) > failed:
        typer.echo(f"wrote {len(lines) - failed} line(s) as " + (f"one {where}" if output.to_stdout else
                   f"{output.fmt.upper()} files to {out}"), err=output.to_stdout)
    if alignment is not None:
        from regen.speech.features.figures import save_alignment_png  # matplotlib: only when a picture is asked for

        save_alignment_png(alignment, speech.alignment(), "attention alignment (phrases block-diagonal)")
        typer.echo(f"wrote {alignment}", err=output.to_stdout)
    if failed:
        raise typer.Exit(2)


def _voice_controls(speaker: "Speaker", voice: Optional[str], rate: float, pitch_shift: float) -> dict:
    """The duration model's controls for `say`; a one-line error where the model has none of them."""
    from regen.speech.tts.duration.speak import DurationSpeaker

    if isinstance(speaker, DurationSpeaker):
        if voice:
            from regen.speech.tts.duration.voices import resolve_voice

            voice = resolve_voice(speaker.voices, voice)
        return {"voice": voice, "rate": rate, "pitch_shift": pitch_shift}
    if voice or rate != 1.0 or pitch_shift != 0.0:
        raise RegenError("--voice, --rate and --pitch-shift need the duration model (--model duration, or leave "
                         "--model out)")
    return {}


@app.command("voices")
def voices(
    model: Optional[str] = typer.Option(None, "--model", help="Shipped model (default: duration, the one with voices)."),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="Own converter checkpoint instead."),
) -> None:
    """List the voices a text -> speech model speaks (the names `say --voice` takes)."""
    from regen.core.task import load_model
    from regen.speech.data.voices import describe_voice

    _, cfg, _ = load_model(_model_path(model or (None if checkpoint else VOICE_MODEL), checkpoint))
    names = list(getattr(cfg.model, "speakers", []) or [])
    if not names:
        typer.echo("this model has one voice (the voice of its corpus); --voice does not apply")
        return
    width = max(len(n) for n in names)
    for k, name in enumerate(names):
        default = "  (default)" if k == 0 else ""
        typer.echo(f"{name:<{width}}  {describe_voice(name)}{default}")
    if len(names) > 1:
        short = [n.partition(":")[2] for n in names[:2]]
        typer.echo(f"new voices mix these: --voice {short[0]}@0.6,{short[1]}@0.4 (speaker embeddings averaged)")


@app.command("calibrate")
def calibrate(
    checkpoint: Path = typer.Argument(..., help="A duration-model checkpoint folder (changed in place)."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="Its training corpus (default: the one in its "
                                          "config, data.corpus)."),
    utterances: int = typer.Option(48, "--utterances", min=1, max=2000, help="Training utterances per voice."),
) -> None:
    """Calibrate each voice's pace: measure on training utterances how far the predicted durations fall short
    of the model's own alignments, per voice, and store the inverse as `sample.voice_length_scales` in the
    checkpoint (its meta.json records the run)."""
    import yaml

    from regen.core.checkpoint import CONFIG, update_meta
    from regen.core.files import atomic_write_text
    from regen.core.provenance import git_commit
    from regen.core.task import load_model
    from regen.speech.tts.duration.calibration import voice_length_scales

    if not (checkpoint / CONFIG).is_file():
        raise RegenError(f"{checkpoint} is not a checkpoint folder (no {CONFIG}); calibrate a folder of your own "
                         "(copy a shipped one first)")
    model, cfg, _ = load_model(checkpoint, task="speech-duration")
    source = corpus or Path(str(cfg.data.corpus))
    if not source.is_dir():
        raise RegenError(f"corpus {source} does not exist; build it or pass --corpus DIR (the model's training corpus)")
    measured = voice_length_scales(model, cfg, source, utterances, progress=True)
    config = yaml.safe_load((checkpoint / CONFIG).read_text())
    config.setdefault("sample", {})["voice_length_scales"] = {v: round(s, 4) for v, (s, _) in measured.items() if v}
    atomic_write_text(checkpoint / CONFIG, yaml.safe_dump(config, sort_keys=False))
    update_meta(checkpoint, {"calibration": {"command": "regen speech calibrate " + " ".join(
        [str(checkpoint), *(["--corpus", str(corpus)] if corpus else []), "--utterances", str(utterances)]),
        "git_commit": git_commit(), "utterances": {v: n for v, (_, n) in measured.items()},
        "voice_length_scales": config["sample"]["voice_length_scales"]}})
    for voice, (scale, n) in measured.items():
        typer.echo(f"{voice or 'voice'}: predicted {1 / scale:.3f} of the aligned frames over {n} training "
                   f"utterances -> length scale {scale:.3f}")
    typer.echo(f"wrote sample.voice_length_scales into {checkpoint / CONFIG}")


@app.command("evaluate")
def evaluate(
    checkpoint: str = typer.Argument(..., help="A converter, Direct or recogniser (ASR) checkpoint folder or "
                                     "shipped name, e.g. speech/repmix-tiny or speech/asr-tiny."),
    corpus: Path = typer.Option(Path("data/corpus-slt"), "--corpus", help="The training corpus (held-out "
                                "sentences, vocabulary)."),
    eval_set: str = typer.Option("held-out", "--eval-set", help="held-out (the corpus's) or everyday."),
    eval_corpus: Path = typer.Option(Path("data/eval-everyday"), "--eval-corpus",
                                     help="Recordings of the everyday sentences (corpus build --sentences everyday)."),
    vocoder: str = typer.Option("istft", "--vocoder", help="istft, gl, lbfgs or neural."),
    vocoder_checkpoint: Optional[Path] = typer.Option(None, "--vocoder-checkpoint", help="For --vocoder neural or istft."),
    limit: int = typer.Option(0, "--limit", min=0, help="Use only the first N sentences of the set (0: all)."),
    modes: str = typer.Option("chars,phones,mixed", "--modes", help="Input modes to compare (RepMix / Direct)."),
    as_json: Optional[Path] = typer.Option(None, "--json", help="Also write the rows as JSON."),
) -> None:
    """MCD (DTW, silence trimmed), alignment success, length ratio and corpus-level recogniser WER
    (with substitutions, deletions, insertions) by input mode, also on sentences with unseen words
    (and R-MelNet's reranking ablation); each table starts with the recordings themselves. For a
    recogniser (ASR) checkpoint: its WER and PER on the recordings, beside PocketSphinx's."""
    from regen.core.files import atomic_write_text
    from regen.speech.tts.rmelnet import RMelNet
    from regen.speech.tts.speaker import INPUT_MODES, Speaker
    from regen.speech.evaluation.tts import (EVAL_SETS, TABLE_NOTE, eval_items, format_rows, input_mode_table,
                                             reranking_table, rows_as_dicts, unseen_words_table)

    chosen = [m.strip() for m in modes.split(",") if m.strip()]
    if not chosen or any(m not in INPUT_MODES for m in chosen):
        raise RegenError(f"--modes takes a comma list of {', '.join(INPUT_MODES)}, got '{modes}'")
    if eval_set not in EVAL_SETS:
        raise RegenError(f"--eval-set takes {' or '.join(EVAL_SETS)}, got '{eval_set}'")
    if as_json is not None:
        refuse_output_file(as_json, "--json")  # now, not after the whole evaluation
    from regen.core.task import open_checkpoint

    task, _ = open_checkpoint(checkpoint)
    if not corpus.is_dir():
        raise RegenError(f"corpus folder {corpus} does not exist; build it (`regen speech corpus build --voice "
                         f"festival:slt --out {corpus} --limit 6000`, ~30 min) or run `regen evaluate {checkpoint}`, "
                         "which records a small held-out set on first use")
    items, vocabulary = eval_items(eval_set, str(corpus), eval_corpus, limit)
    if task.name == "speech-asr":
        _evaluate_recogniser(checkpoint, items, f"{eval_set} sentences", as_json)
        return
    speaker = Speaker.from_checkpoints(checkpoint, vocoder, vocoder_checkpoint)
    if speaker.default_input_mode == "phones":  # the duration model reads nothing else
        chosen = ["phones"]
    tables = {"input modes": input_mode_table(speaker, items, chosen)}
    unseen = unseen_words_table(speaker, items, vocabulary, chosen)
    if unseen:
        tables["input modes, sentences with a word unseen in training"] = unseen
    if isinstance(speaker.converter, RMelNet):
        tables["reranking (mixed input)"] = reranking_table(speaker, items)
    for title, rows in tables.items():
        typer.echo(format_rows(rows, f"{Path(checkpoint).name} + {vocoder}, {eval_set} sentences: {title}", note="")
                   + "\n")
    typer.echo(TABLE_NOTE + "\n")
    if as_json is not None:
        atomic_write_text(as_json, json.dumps({k: rows_as_dicts(v) for k, v in tables.items()}, indent=1) + "\n")
        typer.echo(f"wrote {as_json}")


def _evaluate_recogniser(checkpoint: str, items: list[Item], title: str, as_json: Optional[Path]) -> None:
    """`evaluate` for an ASR checkpoint: PocketSphinx's row and the checkpoint's on the same recordings."""
    from regen.core.files import atomic_write_text
    from regen.core.task import load_model
    from regen.speech.evaluation.asr import HEADER, NOTE, markdown_row, reference_row, system_row

    model, cfg, meta = load_model(checkpoint, task="speech-asr")
    rows = [reference_row(items), system_row(Path(checkpoint).name, model, cfg, meta, items)]
    typer.echo(f"{Path(checkpoint).name}, {len(items)} {title} (the recordings):\n"
               + "\n".join([*HEADER, *map(markdown_row, rows)]) + f"\n\n{NOTE}\n")
    if as_json is not None:
        atomic_write_text(as_json, json.dumps(rows, indent=1) + "\n")
        typer.echo(f"wrote {as_json}")


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
    from regen.speech.data.audio import load_wav, require_audible, save_wav
    from regen.speech.features.inversion import METHODS, invert_log_mel
    from regen.speech.features.mel import MelStats, load_mel_config, log_mel
    from regen.speech.features.measures import compare_waveforms

    if method not in METHODS:
        raise RegenError(f"unknown inversion method '{method}'; choose one of {', '.join(METHODS)}")
    if not 0 <= momentum < 1:
        raise RegenError(f"--momentum must lie in [0, 1), got {momentum}")
    refuse_output_file(out)
    if png is not None:
        refuse_output_file(png, "--png")
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
        from regen.speech.features.figures import save_spectrogram_png

        save_spectrogram_png(png, [target.numpy(), result.numpy()], ["target log-mel", f"after {method}"],
                             cfg.hop_length / cfg.sample_rate)
        typer.echo(f"wrote {png}")


def _read_mel(path: Path, n_mels: int) -> "torch.Tensor":  # noqa: F821
    import torch

    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise RegenError(f"{path} is not a readable .npy array ({exc or 'empty file'})") from None
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise RegenError(f"{path} holds {array.dtype} values, not real numbers; save a float log-mel array")
    if array.ndim != 2 or n_mels not in array.shape:
        raise RegenError(f"{path} has shape {array.shape}; expected (frames, {n_mels})")
    if not np.isfinite(array).all():
        raise RegenError(f"{path} holds NaN or infinite values; a log-mel must be finite")
    if array.shape[1] != n_mels:
        array = array.T
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


app.command("continue")(continue_)
app.command("transcribe")(transcribe)
