"""Speech-recognition scoring shared by `regen speech evaluate` and benchmarks/speech_asr.py: every
system transcribes the same utterances; PocketSphinx (off the shelf) is the reference row.

A row is a dict: system, parameters, steps, train_min (None for PocketSphinx), wer, substitutions,
deletions, insertions, words, per (None without phones), rtf; `markdown_row` formats it under
`HEADER`."""

from __future__ import annotations

import time
from typing import Any

from regen.speech.data.load import Item, load_audio
from regen.speech.evaluation.recognizer import recognizer
from regen.speech.features.measures import word_errors

HEADER = ["| system | parameters | steps | train min | WER | S | D | I | words | PER | RTF |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
NOTE = ("WER: corpus level with jiwer (S + D + I over all sentences / reference words), after normalisation "
        "(numbers spelled out, punctuation dropped). PER: the phones heard against the reference transcript's "
        "pronunciation (CMU dictionary, stress removed). RTF: transcription seconds / audio seconds on this CPU, "
        "the whole set in batches of 16 (the phone models' P2G beam search included). Steps and training "
        "minutes (one core) include those of a checkpoint it started from (text-only adaptation).")


def reference_row(items: list[Item]) -> dict[str, Any]:
    """PocketSphinx's row on the items (their own sample rate, resampled to 16 kHz)."""
    started = time.perf_counter()
    heard = [recognizer().transcribe(load_audio(i), i.sample_rate) for i in items]
    seconds = time.perf_counter() - started
    e = word_errors([i.normalized for i in items], heard)
    return {"system": "PocketSphinx (en-us, off the shelf)", "parameters": None, "steps": None, "train_min": None,
            "wer": e.wer, "substitutions": e.substitutions, "deletions": e.deletions, "insertions": e.insertions,
            "words": e.reference_words, "per": None, "rtf": seconds / sum(i.seconds for i in items)}


def system_row(label: str, model: Any, cfg: Any, meta: dict[str, Any], items: list[Item]) -> dict[str, Any]:
    """One ASR checkpoint's row: it transcribes the items at its mel config's rate."""
    from regen.core.provenance import training_budget
    from regen.speech.asr.task import asr_mel, score_transcripts, transcriber

    mel = asr_mel(cfg.model)
    system = transcriber(cfg, model)
    waves = [load_audio(i, mel.sample_rate) for i in items]
    started = time.perf_counter()
    out = system.transcribe(waves)
    seconds = time.perf_counter() - started
    s = score_transcripts([i.normalized for i in items], out, cfg.model.units)
    trained, steps = training_budget(meta, "acoustic")
    return {"system": f"{label} ({cfg.model.units}, {cfg.model.text_injection})", "parameters": meta["parameters"],
            "steps": steps, "train_min": trained / 60, "wer": s["wer"], "substitutions": s["substitutions"],
            "deletions": s["deletions"], "insertions": s["insertions"], "words": s["reference_words"],
            "per": s.get("per"), "rtf": seconds / sum(i.seconds for i in items)}


def markdown_row(row: dict[str, Any]) -> str:
    """A row under `HEADER` ('-' for what does not apply)."""
    def cell(value: Any, form: str) -> str:
        return "-" if value is None else format(value, form)

    return (f"| {row['system']} | {cell(row['parameters'], ',')} | {cell(row['steps'], 'd')} | "
            f"{cell(row['train_min'], '.0f')} | {row['wer']:.3f} | {row['substitutions']} | {row['deletions']} | "
            f"{row['insertions']} | {row['words']} | {cell(row['per'], '.3f')} | {row['rtf']:.3f} |")
