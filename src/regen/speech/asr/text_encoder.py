"""Maestro-style text encoder (thesis ch. 10; Chen et al., 2022): phone units -> frames that look
like the speech encoder's output, so text alone can train the shared encoder ("text injection").

    embed      unit embedding (the ASR phone units, word boundaries included)
    encoder    convolutions and a bidirectional LSTM over the units
    durations  a linear head on the encoder predicting log(1 + frames) per unit; trained on the
               durations the corpus's word timings give (`unit_durations`), used at inference
    upsample   each unit's vector repeated for its frames (`upsample`)
    refiner    a bidirectional LSTM and a projection to the speech encoder's width

SLAM-lite reads the encoder states per unit (`upsampling` False: no duration head, no refiner).

Frames are speech-encoder frames (4 mel hops: 23.2 ms at 22.05 kHz with hop 128). Tensors:
units (batch, U) int64 (0 pads); durations (batch, U) int64 frames; outputs (batch, T, 2 hidden).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from regen.speech.asr.layers import BiLSTMStack
from regen.speech.asr.units import BOUNDARY, PHONE_UNITS, Transcript
from regen.speech.text.mixing import TOKEN_PATTERN


@dataclass
class TextEncoderConfig:
    """Sizes of the text encoder; `out_dim` is the speech encoder's output width (2 x its hidden)."""

    embed: int = 128
    hidden: int = 128
    conv_layers: int = 2
    refiner_layers: int = 1
    out_dim: int = 256
    dropout: float = 0.1
    upsampling: bool = True

    def __post_init__(self) -> None:
        if min(self.embed, self.hidden, self.refiner_layers, self.out_dim) < 1 or self.conv_layers < 0:
            raise ValueError("text encoder sizes must be >= 1 (conv_layers >= 0)")


MAX_UNIT_FRAMES = 64  # a predicted duration is capped here (64 encoder frames, about 1.5 s per unit)


def upsample(vectors: torch.Tensor, durations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Repeat each unit's vector for its frames: (batch, U, D) and (batch, U) ints -> (batch, T, D),
    T the longest row's total, and each row's total (batch,). Padding units must have duration 0."""
    durations = durations.clamp_min(0).long()
    lengths = durations.sum(-1)
    out = vectors.new_zeros(vectors.shape[0], int(lengths.max()) if len(lengths) else 0, vectors.shape[-1])
    for row in range(vectors.shape[0]):
        expanded = vectors[row].repeat_interleave(durations[row], dim=0)
        out[row, : len(expanded)] = expanded
    return out, lengths


class TextEncoder(nn.Module):
    """See the module docstring."""

    def __init__(self, cfg: TextEncoderConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(len(PHONE_UNITS), cfg.embed, padding_idx=0)
        self.convs = nn.ModuleList(nn.Sequential(nn.Conv1d(cfg.embed, cfg.embed, 5, padding=2), nn.GELU())
                                   for _ in range(cfg.conv_layers))
        self.encoder = BiLSTMStack(cfg.embed, cfg.hidden, 1, cfg.dropout)
        self.duration = nn.Linear(2 * cfg.hidden, 1) if cfg.upsampling else None
        self.refiner = (BiLSTMStack(2 * cfg.hidden, cfg.hidden, cfg.refiner_layers, cfg.dropout)
                        if cfg.upsampling else None)
        self.project = nn.Linear(2 * cfg.hidden, cfg.out_dim)

    def encode(self, units: torch.Tensor) -> torch.Tensor:
        """Unit ids (batch, U) -> encoder states (batch, U, 2 hidden)."""
        lengths = (units > 0).sum(-1)
        x = self.embed(units)
        for conv in self.convs:
            x = x + conv(x.transpose(1, 2)).transpose(1, 2)
        return self.encoder(x, lengths)

    def log_frames(self, states: torch.Tensor) -> torch.Tensor:
        """The duration head: encoder states (batch, U, 2 hidden) -> predicted log(1 + frames) (batch, U)."""
        if self.duration is None:
            raise ValueError("this text encoder was built without up-sampling (no duration head)")
        return self.duration(states).squeeze(-1)

    def predicted_durations(self, log_frames: torch.Tensor, units: torch.Tensor, min_frames: int = 1,
                            boundary_min: int = 0) -> torch.Tensor:
        """Whole frames per unit (batch, U) from predicted log(1 + frames) (batch, U): at least `min_frames`
        per phone and `boundary_min` per word boundary, at most MAX_UNIT_FRAMES, none for padding."""
        frames = torch.round(log_frames.clamp(max=math.log1p(MAX_UNIT_FRAMES)).exp() - 1).long()
        phone = units > PHONE_UNITS.id(BOUNDARY)
        return torch.where(phone, frames.clamp_min(min_frames), frames.clamp_min(boundary_min) * (units > 0))

    def refine(self, states: torch.Tensor, durations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Up-sample encoder states (batch, U, 2 hidden) by `durations` and refine them: (batch, T, out_dim), (batch,)."""
        if self.refiner is None:
            raise ValueError("this text encoder was built without up-sampling (no refiner)")
        frames, lengths = upsample(states, durations)
        return self.project(self.refiner(frames, lengths)), lengths

    def forward(self, units: torch.Tensor, durations: torch.Tensor | None = None, min_frames: int = 1
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(frames (batch, T, out_dim), their lengths (batch,), predicted log(1 + frames) (batch, U)); with
        `durations` given (training on paired data) the units are up-sampled by them, else by the prediction
        (at least `min_frames` per phone)."""
        states = self.encode(units)
        log_frames = self.log_frames(states)
        used = (self.predicted_durations(log_frames, units, min_frames) if durations is None
                else durations * (units > 0))
        frames, lengths = self.refine(states, used)
        return frames, lengths, log_frames

    @staticmethod
    def duration_loss(log_frames: torch.Tensor, durations: torch.Tensor, units: torch.Tensor) -> torch.Tensor:
        """Mean squared error of log(1 + frames) over the real units."""
        mask = (units > 0).float()
        err = (log_frames - torch.log1p(durations.float())) ** 2
        return (err * mask).sum() / mask.sum().clamp_min(1)


def unit_durations(script: Transcript, text: str, word_seconds: Sequence[tuple[float, float]] | None,
                   seconds: float, frame_seconds: float) -> list[int]:
    """Frames per phone unit of `script.units('phones')` from the voice's word timings.

    `word_seconds` holds (start, end) per whitespace word of `text` (the normalised transcript the
    timings were matched to; `regen.speech.tts.data.word_spans`); a whitespace word spelled as
    several transcript words shares its span evenly. A word's frames go evenly to its phones, the
    gap before the next word to the boundary unit; the silence before the first word joins the first
    word's span and the silence after the last word the last word's (spread over their phones). Without timings (None), frames are shared evenly over the
    units. The result sums to round(seconds / frame_seconds).
    """
    units = script.units("phones")
    total = round(seconds / frame_seconds)
    spans = _transcript_word_spans(text, word_seconds, len(script.words))
    if spans is None:
        return _even(total, len(units))
    edges = [round(a / frame_seconds) for span in spans for a in span]
    edges = [min(max(e, 0), total) for e in edges]
    edges = [max(e, edges[k - 1]) if k else e for k, e in enumerate(edges)]
    out: list[int] = []
    for k, pron in enumerate(script.prons):
        start, end = edges[2 * k], edges[2 * k + 1]
        if k == 0:
            start = 0
        if k == len(script.prons) - 1:
            end = total
        if k:
            out.append(max(0, start - edges[2 * k - 1]))  # the boundary before this word: the gap
        out += _even(end - start, len(pron))
    return out


def _even(frames: int, parts: int) -> list[int]:
    base, extra = divmod(max(frames, 0), max(parts, 1))
    return [base + (1 if k < extra else 0) for k in range(parts)]


def _transcript_word_spans(text: str, word_seconds: Sequence[tuple[float, float]] | None,
                           words: int) -> list[tuple[float, float]] | None:
    if word_seconds is None:
        return None
    counts = [sum(p[0].isalpha() for p in TOKEN_PATTERN.findall(w)) for w in text.lower().split()]
    if len(counts) != len(word_seconds) or sum(counts) != words:
        return None
    spans: list[tuple[float, float]] = []
    for count, (a, b) in zip(counts, word_seconds):
        step = (b - a) / max(count, 1)
        spans += [(a + k * step, a + (k + 1) * step) for k in range(count)]
    return spans

