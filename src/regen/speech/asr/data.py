"""Paired ASR training rows: corpus utterances -> (raw log-mel, CTC unit targets).

Every utterance of the corpus's training split (the corpus's held-out test_ids are never used)
becomes one row; its transcript is normalised and pronounced by the project's text front end
(`regen.speech.asr.units.transcript`). Log-mels are kept as float16 to halve the memory of
several hours of audio.

Tensors: mel (rows, max_frames, n_mels) float16; mel_lengths (rows,); targets (rows, max_units)
int64 (0 pads); target_lengths (rows,).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from regen.core.errors import RegenError
from regen.speech.asr.units import transcript, units_of
from regen.speech.data.load import Item, load_audio
from regen.speech.features.mel import MelConfig, log_mel
from regen.speech.text.mixing import TextFrontEnd


@dataclass
class ASRDataConfig:
    """corpus: a corpus root or LJSpeech folder; max_seconds: longer utterances are skipped;
    max_utterances: use only the first N training utterances (0: all); stats_utterances: for the
    normalisation statistics; valid_utterances: held-out utterances for the validation loss and
    `regen evaluate`."""

    corpus: str = "data/corpus-slt"
    max_seconds: float = 12.0
    max_utterances: int = 0
    stats_utterances: int = 200
    valid_utterances: int = 32

    def __post_init__(self) -> None:
        if self.max_seconds <= 0 or min(self.max_utterances, self.stats_utterances, self.valid_utterances) < 0:
            raise ValueError("max_seconds must be > 0 and the utterance counts >= 0")


def build_rows(items: Sequence[Item], mel: MelConfig, units: str, front_end: TextFrontEnd | None = None,
               progress: bool = False) -> dict[str, torch.Tensor]:
    """Padded rows of `items` (see the module docstring)."""
    if not items:
        raise RegenError("no utterance to train the recogniser on; build a corpus with regen speech corpus build")
    front_end, vocab = front_end or TextFrontEnd(), units_of(units)
    mels, targets = [], []
    for item in tqdm(items, desc="features", unit="utt", disable=not progress, leave=False):
        mels.append(log_mel(load_audio(item, mel.sample_rate), mel).half())
        targets.append(torch.tensor(vocab.ids(transcript(item.normalized, front_end).units(units))))
    pad = torch.nn.utils.rnn.pad_sequence
    return {"mel": pad(mels, batch_first=True), "mel_lengths": torch.tensor([len(m) for m in mels]),
            "targets": pad(targets, batch_first=True), "target_lengths": torch.tensor([len(t) for t in targets])}
