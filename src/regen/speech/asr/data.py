"""Paired ASR training rows: corpus utterances -> (raw log-mel, CTC unit targets).

Every utterance of the corpus's training split (the corpus's held-out test_ids are never used)
becomes one row; its transcript is normalised and pronounced by the project's text front end
(`regen.speech.asr.units.transcript`). Log-mels are kept as float16 to halve the memory of
several hours of audio.

Tensors: mel, a `RaggedRows` of (frames, n_mels) float16 log-mels that a batch index pads to
(batch, max_frames, n_mels) (padding every row to the longest would take several times the memory of
hours of audio from many voices); mel_lengths (rows,); targets (rows, max_units)
int64 (0 pads); target_lengths (rows,). For text injection, paired rows also carry `units` (rows,
max_phone_units), the phone units the text encoder reads, and their `durations` in speech-encoder
frames from the voice's word timings (`regen.speech.asr.text_encoder.unit_durations`); text-only
rows (`text_rows`) carry `units`, `targets` and `target_lengths`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from regen.core.errors import RegenError
from regen.speech.asr.acoustic import SUBSAMPLING
from regen.speech.asr.augment import AugmentConfig, augmented_log_mel, item_rng
from regen.speech.asr.text_encoder import unit_durations
from regen.speech.asr.units import PHONE_UNITS, transcript, units_of
from regen.speech.data.load import Item, load_audio
from regen.speech.data.sentences import TEXT_SOURCES
from regen.speech.features.mel import MelConfig, log_mel
from regen.speech.text.mixing import TextFrontEnd
from regen.speech.tts.data import word_spans


@dataclass
class ASRDataConfig:
    """corpus: a corpus root or LJSpeech folder; max_seconds: longer utterances are skipped;
    max_utterances: use only the first N training utterances (0: all); stats_utterances: for the
    normalisation statistics; valid_utterances: held-out utterances for the validation loss and
    `regen evaluate` (spread over the voices); augment: what share of the training utterances is
    augmented, and how (`regen.speech.asr.augment`); text_sentences: how many sentences text injection reads; text_source: whose
    ('bible': King James sentences no recording reads; 'austen': Lady Susan, a second domain, for
    text-only adaptation; its sentences also join the P2G's text); voice: the synthesiser voice that
    reads `corpus`, which records `regen evaluate`'s held-out sentences when `corpus` is not here
    (`regen.speech.data.eval_corpus`)."""

    corpus: str = "data/corpus-slt"
    voice: str = "festival:slt"
    max_seconds: float = 12.0
    max_utterances: int = 0
    stats_utterances: int = 200
    valid_utterances: int = 32
    text_sentences: int = 6000
    text_source: str = "bible"
    augment: AugmentConfig = field(default_factory=AugmentConfig)

    def __post_init__(self) -> None:
        if self.max_seconds <= 0 or min(self.max_utterances, self.stats_utterances, self.valid_utterances,
                                        self.text_sentences) < 0:
            raise ValueError("max_seconds must be > 0 and the utterance and sentence counts >= 0")
        if ":" not in self.voice:
            raise ValueError(f"voice must be a voice spec such as festival:slt or espeak:en-us, got '{self.voice}'")
        if self.text_source not in TEXT_SOURCES:
            raise ValueError(f"text_source must be one of {', '.join(TEXT_SOURCES)}")


class RaggedRows:
    """Rows of different lengths (frames, ...) kept apart; indexing by a slice or an index tensor gives
    the chosen rows zero-padded to the longest of them (batch, max_frames, ...), as a padded tensor would."""

    def __init__(self, rows: Sequence[torch.Tensor]) -> None:
        self.rows = list(rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: slice | torch.Tensor) -> torch.Tensor:
        chosen = self.rows[index] if isinstance(index, slice) else [self.rows[int(i)] for i in index]
        return torch.nn.utils.rnn.pad_sequence(chosen, batch_first=True)


def build_rows(items: Sequence[Item], mel: MelConfig, units: str, front_end: TextFrontEnd | None = None,
               progress: bool = False, injection: bool = False, augment: AugmentConfig | None = None,
               seed: int = 0) -> dict[str, torch.Tensor | RaggedRows]:
    """Rows of `items`, with `units` and `durations` for text injection (see the module docstring);
    with an active `augment`, its share of the rows is augmented (each row's draw seeded by `seed`, its
    voice and id)."""
    if not items:
        raise RegenError("no utterance to train the recogniser on; build a corpus with regen speech corpus build")
    front_end, vocab = front_end or TextFrontEnd(), units_of(units)
    frame_seconds = SUBSAMPLING * mel.hop_length / mel.sample_rate
    mels, targets, phone_units, durations = [], [], [], []
    for item in tqdm(items, desc="features", unit="utt", disable=not progress, leave=False):
        wave = load_audio(item, mel.sample_rate)
        rng = item_rng(seed, f"{item.speaker}/{item.id}")
        if augment is not None and augment.active and rng.random() < augment.share:
            mels.append(augmented_log_mel(wave, mel, augment, rng).half())
        else:
            mels.append(log_mel(wave, mel).half())
        script = transcript(item.normalized, front_end)
        targets.append(torch.tensor(vocab.ids(script.units(units))))
        if injection:
            phone_units.append(torch.tensor(PHONE_UNITS.ids(script.units("phones"))))
            durations.append(torch.tensor(unit_durations(script, item.normalized, word_spans(item), item.seconds,
                                                         frame_seconds)))
    pad = torch.nn.utils.rnn.pad_sequence
    rows = {"mel": RaggedRows(mels), "mel_lengths": torch.tensor([len(m) for m in mels]),
            "targets": pad(targets, batch_first=True), "target_lengths": torch.tensor([len(t) for t in targets])}
    if injection:
        rows |= {"units": pad(phone_units, batch_first=True), "durations": pad(durations, batch_first=True)}
    return rows


def text_rows(texts: Sequence[str], units: str, front_end: TextFrontEnd | None = None) -> dict[str, torch.Tensor]:
    """Text-only rows for text injection: phone `units` in, `targets` in the model's units out."""
    if not texts:
        raise RegenError("no text-only sentence for text injection; raise data.text_sentences")
    front_end, vocab = front_end or TextFrontEnd(), units_of(units)
    scripts = [transcript(t, front_end) for t in texts]
    pad = torch.nn.utils.rnn.pad_sequence
    targets = [torch.tensor(vocab.ids(s.units(units))) for s in scripts]
    return {"units": pad([torch.tensor(PHONE_UNITS.ids(s.units("phones"))) for s in scripts], batch_first=True),
            "targets": pad(targets, batch_first=True), "target_lengths": torch.tensor([len(t) for t in targets])}
