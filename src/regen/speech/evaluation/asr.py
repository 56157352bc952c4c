"""Speech-recognition scoring shared by `regen speech evaluate` and benchmarks/speech_asr.py: every
system transcribes the same utterances; PocketSphinx (off the shelf) is the reference row."""

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


def reference_row(items: list[Item]) -> str:
    """PocketSphinx's row on the items (their own sample rate, resampled to 16 kHz)."""
    started = time.perf_counter()
    heard = [recognizer().transcribe(load_audio(i), i.sample_rate) for i in items]
    seconds = time.perf_counter() - started
    e = word_errors([i.normalized for i in items], heard)
    return (f"| PocketSphinx (en-us, off the shelf) | - | - | - | {e.wer:.3f} | {e.substitutions} | {e.deletions} | "
            f"{e.insertions} | {e.reference_words} | - | {seconds / sum(i.seconds for i in items):.3f} |")


def system_row(label: str, model: Any, cfg: Any, meta: dict[str, Any], items: list[Item]) -> str:
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
    per = f"{s['per']:.3f}" if "per" in s else "-"
    trained, steps = training_budget(meta, "acoustic")
    return (f"| {label} ({cfg.model.units}, {cfg.model.text_injection}) | {meta['parameters']:,} | {steps} | "
            f"{trained / 60:.0f} | {s['wer']:.3f} | "
            f"{s['substitutions']} | {s['deletions']} | {s['insertions']} | {s['reference_words']} | {per} | "
            f"{seconds / sum(i.seconds for i in items):.3f} |")
