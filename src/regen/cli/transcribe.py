"""`regen speech transcribe`: recordings -> transcripts, subtitles or timed words (registered on the
speech commands by regen.cli.speech)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import List, Optional

import typer

from regen.cli.app import refuse_output_file
from regen.core.errors import RegenError


def transcribe(
    files: List[Path] = typer.Argument(..., help="Recordings to transcribe (WAV, FLAC, MP3 or OGG; any rate, "
                                       "resampled)."),
    model: Optional[str] = typer.Option(None, "--model", help="ASR checkpoint folder or shipped name "
                                        "(default: the shipped speech/asr-tiny)."),
    phones: bool = typer.Option(False, "--phones", help="Also print the phones heard (phone models)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per file (file, text, silent[, phones]) "
                                 "instead of plain lines (the same as --format json)."),
    fmt: str = typer.Option("text", "--format", help="text or txt (a line per file), json (an object per file, "
                            "with timed segments and words), srt or vtt (subtitles of one file)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the transcripts to this file (written whole, "
                                       "when every file is done) instead of stdout."),
) -> None:
    """Speech -> phonemes (CTC acoustic model) -> words (P2G learned from text alone): one transcript per file.

    A recording longer than 15 s is cut at its pauses and transcribed piece by piece (json, srt and vtt
    carry each piece's time, json each word's start and end). A file that cannot be read is reported as one `error:` line on stderr and the
    others are still transcribed; the exit status is then 2. A silent file gets an empty transcript and a
    note on stderr."""
    from regen.core.assets import asset_names
    from regen.core.progress import progress
    from regen.core.task import load_model
    from regen.speech.asr.captions import srt, vtt
    from regen.speech.asr.files import FileTranscriber

    from regen.core.files import atomic_write_text

    fmt = "json" if as_json else {"txt": "text"}.get(fmt, fmt)
    if fmt not in ("text", "json", "srt", "vtt"):
        raise RegenError(f"--format {fmt!r}: choose text, json, srt or vtt")
    if out is not None:
        refuse_output_file(out, "--out")
    written: list[str] = []

    def emit(text: str) -> None:
        if out is None:
            typer.echo(text, nl=False)
        else:
            written.append(text)

    if fmt in ("srt", "vtt") and len(files) != 1:
        raise RegenError(f"--format {fmt} writes the subtitles of one recording; give one file (or use --format json "
                         "for several)")
    from regen.speech.asr.task import SHIPPED as SHIPPED_ASR

    if model is None and SHIPPED_ASR not in asset_names():
        raise RegenError(f"no shipped {SHIPPED_ASR} checkpoint yet; train it with `regen train {SHIPPED_ASR} --out "
                         f"src/regen/assets/{SHIPPED_ASR}` or pass --model DIR")
    net, cfg, _ = load_model(model or SHIPPED_ASR, task="speech-asr")
    transcribe_file, failed = FileTranscriber(cfg, net), 0
    with progress(files, desc="transcribing", unit="file", enabled=len(files) > 1) as bar:
        for path in bar:
            done = transcribe_file(path, timed=fmt != "text")
            with bar.external_write_mode():
                if done.resampled_from is not None:
                    typer.echo(f"{path}: {done.resampled_from} Hz resampled to the model's {transcribe_file.rate} Hz",
                               err=True)
                if done.heard is None:
                    failed += 1
                    typer.echo(f"error: {done.error}", err=True)
                    continue
                if done.silent_dbfs is not None:
                    typer.echo(f"note: {path}: no speech found (the file is silent: loudest 20 ms at "
                               f"{done.silent_dbfs:.0f} dBFS); empty transcript", err=True)
                units = " ".join(done.heard.units)
                if fmt in ("srt", "vtt"):
                    emit((srt if fmt == "srt" else vtt)(done.captions))
                elif fmt == "json":
                    extra = {"phones": units} if phones else {}
                    segments = [{"start": round(c.start, 3), "end": round(c.end, 3), "text": c.text,
                                 "words": [asdict(w) for w in c.words]} for c in done.captions]
                    words = [w for s in segments for w in s["words"]]
                    emit(json.dumps({"file": str(path), "text": done.heard.text, "silent": done.silent_dbfs is not None,
                                     "segments": segments, "words": words, **extra}) + "\n")
                else:
                    emit(f"{path}\t{done.heard.text}" + (f"\t{units}" if phones else "") + "\n")
    if out is not None and written:
        atomic_write_text(out, "".join(written))
        typer.echo(f"wrote {out}", err=True)
    if failed:
        raise typer.Exit(2)
