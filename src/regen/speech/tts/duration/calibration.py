"""Each voice's pace, calibrated: a per-voice factor on the predicted durations so that, over training
utterances, the model's frames add up to the frames its own alignment (MAS) found.

The duration predictor falls short of its targets, and more for some voices than for others: it learns
the mean of log durations (whose exponential lies below the mean duration) and, over four voices,
leans towards their common pace, so the slow festival voices came out fastest (predicted / MAS frames
on training utterances of the shipped 60-minute model: slt 0.76, kal 0.80, espeak en-us 0.94, its f3
variant 0.92). `voice_length_scales` measures that ratio per voice on training utterances (never on
development or test sentences) and returns its inverse; `sample.voice_length_scales` holds it, on
top of `sample.length_scale`.
"""

from __future__ import annotations

from pathlib import Path

import torch

from regen.core.errors import RegenError
from regen.core.run_config import RunConfig
from regen.speech.tts.data import tts_split
from regen.speech.tts.duration.data import build_rows, voice_index
from regen.speech.tts.duration.model import DurationTTS, path_durations
from regen.speech.tts.speaker import mel_config_of
from regen.speech.vocoder.data import load_items

BATCH = 16


@torch.no_grad()
def voice_length_scales(model: DurationTTS, cfg: RunConfig, corpus: str | Path, utterances: int = 48,
                        progress: bool = False) -> dict[str, tuple[float, int]]:
    """Voice -> (MAS frames / predicted frames over `utterances` training utterances of it, utterances used)."""
    mel = mel_config_of(cfg)
    train, _ = tts_split(load_items(str(corpus), mel))
    index = voice_index(train, cfg.model.speakers, str(corpus))
    model.eval()
    out = {}
    for k, voice in enumerate(cfg.model.speakers or [""]):
        items = [i for i in train if index.get(i.speaker) == k
                 and cfg.data.min_seconds <= i.seconds <= cfg.data.max_seconds][:utterances]
        if not items:
            raise RegenError(f"{corpus} holds no training utterance of {voice or 'its voice'}; pass the corpus the "
                             "model was trained on (--corpus)")
        rows, _ = build_rows(items, [k] * len(items), mel, progress=progress)
        aligned = predicted = 0.0
        for a in range(0, len(items), BATCH):
            batch = {key: value[a:a + BATCH] for key, value in rows.items()}
            batch["target"] = batch["target"].float()
            aligned += float(path_durations(model.teach(batch).path).sum())
            predicted += float(model.generate(batch["cond"], batch["speaker"]).lengths.sum())
        out[voice] = (aligned / predicted, len(items))
    return out
