"""CTC acoustic model: log-mel -> per-frame unit posteriors (phones for regeneration ASR, characters
for the Direct baseline).

    input        raw log-mel (batch, frames, n_mels), normalised by the training statistics, or with
                 `utterance_norm` by each utterance's own per-bin mean and deviation over its frames
                 (cepstral mean and variance normalisation: a voice's or channel's spectral tilt and
                 loudness removed before the network sees it);
                 SpecAugment while training (time and frequency masks, Park et al., 2019), and with
                 `band_limit` > 0 bandwidth augmentation (a share of the rows low-passed at a random band)
    speech       two stride-2 convolutions (4x fewer frames: 23 ms per frame at the ch4 hop),
    encoder      then `speech_layers` bidirectional LSTM layers
    shared       `shared_layers` bidirectional LSTM layers: the part a text encoder can feed in
    encoder      Maestro-style text injection (thesis ch. 10)
    head         a linear layer to the units, blank = 0; trained with CTC
    text         with `text_injection: maestro` (thesis ch. 10, Chen et al., 2022), a text encoder
    injection    (`regen.speech.asr.text_encoder`) turns phone units into frames for the shared
                 encoder: on paired batches it learns the durations of the voice and matches the
                 speech encoder's output (mean squared error, the speech side held fixed); on
                 text-only batches its frames go through the shared encoder into the same CTC loss,
                 so text alone trains the shared encoder and head
    SLAM-lite    with `text_injection: slam` (the baseline the thesis compares, Bapna et al., 2021),
                 the text encoder's unit states (no durations) are joined in time after the speech
                 encoder's frames and read by the shared encoder; besides the speech CTC loss, a
                 speech-text matching head tells a matched pair from one whose text belongs to
                 another row of the batch (binary cross-entropy on the pooled shared output)

Tensors: mel (batch, frames, n_mels) float; mel_lengths (batch,) int64; targets (batch, units)
int64 unit ids (0 pads); target_lengths (batch,). Encoder outputs (batch, frames / 4, 2 hidden).
Text injection batches prefix the paired keys with 'paired/' (plus `units`, the phone units the
text encoder reads, and their `durations` in encoder frames) and the text-only ones with 'text/'
(`units`, `targets`, `target_lengths`); see `regen.train.data.Mixture`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from regen.speech.asr.layers import BiLSTMStack, length_mask
from regen.speech.asr.probes import mean_pool
from regen.speech.asr.text_encoder import TextEncoder, TextEncoderConfig
from regen.speech.asr.units import UNIT_KINDS, units_of

TEXT_INJECTION = ("none", "maestro", "slam")


@dataclass
class ASRConfig:
    """Sizes of the CTC acoustic model (see the module docstring); `units` 'phones' or 'chars'."""

    mel: str = "logmel-ch4"
    n_mels: int = 80
    units: str = "phones"
    conv_channels: int = 128
    hidden: int = 128
    speech_layers: int = 1
    shared_layers: int = 2
    dropout: float = 0.1
    time_masks: int = 2
    time_mask_frames: int = 40
    freq_masks: int = 2
    freq_mask_bins: int = 12
    band_limit: float = 0.0
    utterance_norm: bool = False
    text_injection: str = "none"
    text_share: float = 0.5
    text_embed: int = 128
    text_conv_layers: int = 2
    refiner_layers: int = 1
    consistency_weight: float = 1.0
    duration_weight: float = 0.1
    text_weight: float = 1.0
    text_min_frames: int = 2
    matching_weight: float = 1.0

    def __post_init__(self) -> None:
        if self.text_injection not in TEXT_INJECTION:
            raise ValueError(f"text_injection must be one of {', '.join(TEXT_INJECTION)}, got '{self.text_injection}'")
        if not 0 < self.text_share < 1 or min(self.consistency_weight, self.duration_weight, self.text_weight,
                                              self.matching_weight) < 0:
            raise ValueError("text_share must lie in (0, 1) and the loss weights be >= 0")
        if self.units not in UNIT_KINDS:
            raise ValueError(f"units must be one of {', '.join(UNIT_KINDS)}, got '{self.units}'")
        if min(self.n_mels, self.conv_channels, self.hidden, self.speech_layers, self.shared_layers) < 1:
            raise ValueError("n_mels, conv_channels, hidden, speech_layers and shared_layers must be >= 1")
        if not 0 <= self.dropout < 1 or min(self.time_masks, self.time_mask_frames, self.freq_masks,
                                             self.freq_mask_bins) < 0:
            raise ValueError("dropout must lie in [0, 1) and the SpecAugment sizes be >= 0")
        if not 0 <= self.band_limit <= 1:
            raise ValueError(f"band_limit is a share of the training rows, in [0, 1]; got {self.band_limit}")


CONV_STRIDES = (2, 2)  # the speech encoder's convolutions (kernel 3, padding 1)
SUBSAMPLING = math.prod(CONV_STRIDES)  # mel frames per encoder frame


def strided_lengths(lengths: torch.Tensor, stride: int) -> torch.Tensor:
    """Frames (batch,) left after one convolution of `stride` (kernel 3, padding 1): floor((n - 1) / s) + 1."""
    return torch.div(lengths - 1, stride, rounding_mode="floor") + 1


def encoded_lengths(lengths: torch.Tensor) -> torch.Tensor:
    """Frames (batch,) left after all the strided convolutions."""
    for stride in CONV_STRIDES:
        lengths = strided_lengths(lengths, stride)
    return lengths


def join_in_time(a: torch.Tensor, a_lengths: torch.Tensor, b: torch.Tensor, b_lengths: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row, the valid frames of `a` then those of `b`: (batch, Ta, D), (batch, Tb, D) -> (batch, T, D), lengths."""
    lengths = a_lengths + b_lengths
    out = a.new_zeros(a.shape[0], int(lengths.max()), a.shape[-1])
    for row in range(a.shape[0]):
        n, m = int(a_lengths[row]), int(b_lengths[row])
        out[row, :n], out[row, n: n + m] = a[row, :n], b[row, :m]
    return out, lengths


class SpeechEncoder(nn.Module):
    """Normalised log-mel (batch, frames, n_mels) -> (batch, frames / 4, 2 hidden).

    Strided convolutions with GELU, each output zeroed past its row's length (so a padded row reads
    as it would alone), then the bidirectional LSTM stack.
    """

    def __init__(self, cfg: ASRConfig) -> None:
        super().__init__()
        c = cfg.conv_channels
        self.convs = nn.ModuleList(nn.Conv1d(cfg.n_mels if k == 0 else c, c, 3, stride=stride, padding=1)
                                   for k, stride in enumerate(CONV_STRIDES))
        self.rnn = BiLSTMStack(c, cfg.hidden, cfg.speech_layers, cfg.dropout)

    def forward(self, mel: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, lengths = mel.transpose(1, 2), lengths.to(mel.device)
        for conv, stride in zip(self.convs, CONV_STRIDES):
            h = F.gelu(conv(h))
            lengths = strided_lengths(lengths, stride)
            h = h * length_mask(lengths, h.shape[-1], h.device)[:, None]
        return self.rnn(h.transpose(1, 2), lengths), lengths


class CTCRecognizer(nn.Module):
    """The acoustic model; see the module docstring."""

    def __init__(self, cfg: ASRConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.units = units_of(cfg.units)
        self.speech_encoder = SpeechEncoder(cfg)
        self.shared_encoder = BiLSTMStack(2 * cfg.hidden, cfg.hidden, cfg.shared_layers, cfg.dropout)
        self.head = nn.Linear(2 * cfg.hidden, len(self.units))
        self.text_encoder = (TextEncoder(TextEncoderConfig(cfg.text_embed, cfg.hidden, cfg.text_conv_layers,
                                                           cfg.refiner_layers, 2 * cfg.hidden, cfg.dropout,
                                                           upsampling=cfg.text_injection == "maestro"))
                             if cfg.text_injection != "none" else None)
        self.matching = nn.Linear(2 * cfg.hidden, 1) if cfg.text_injection == "slam" else None
        self.register_buffer("mel_mean", torch.zeros(cfg.n_mels))
        self.register_buffer("mel_std", torch.ones(cfg.n_mels))

    def set_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        """Per-bin statistics of the training log-mels (normalisation)."""
        self.mel_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.mel_std.copy_(torch.as_tensor(std, dtype=torch.float32).clamp_min(1e-3))

    def spec_augment(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Zero `time_masks` random spans of up to `time_mask_frames` frames and `freq_masks` spans of up
        to `freq_mask_bins` bins per row (x normalised, so zero is the mean)."""
        batch, frames, bins = x.shape
        dev = x.device
        keep = torch.ones_like(x, dtype=torch.bool)
        t, f = torch.arange(frames, device=dev)[None, :], torch.arange(bins, device=dev)[None, :]
        lengths = lengths.to(dev)
        for _ in range(self.cfg.time_masks):
            width = torch.randint(0, self.cfg.time_mask_frames + 1, (batch, 1), device=dev)
            start = (torch.rand(batch, 1, device=dev) * (lengths[:, None] - width).clamp_min(1)).long()
            keep &= ~((t >= start) & (t < start + width))[:, :, None]
        for _ in range(self.cfg.freq_masks):
            width = torch.randint(0, self.cfg.freq_mask_bins + 1, (batch, 1), device=dev)
            start = (torch.rand(batch, 1, device=dev) * (bins - width).clamp_min(1)).long()
            keep &= ~((f >= start) & (f < start + width))[:, None, :]
        return x * keep

    def limit_bandwidth(self, mel: torch.Tensor) -> torch.Tensor:
        """Bandwidth augmentation of raw log-mel (batch, frames, n_mels): a `band_limit` share of the rows
        reads as if low-passed at a random band of the upper half, each band above it 4-17 dB (1-4 in
        natural-log units) quieter than the one below, never below the row's quietest value, as a
        recording of lower bandwidth (a 16 kHz voice, a telephone line) reads."""
        batch, _, bins = mel.shape
        dev = mel.device
        hit = torch.rand(batch, 1, 1, device=dev) < self.cfg.band_limit
        cut = torch.randint(bins // 2, bins, (batch, 1, 1), device=dev)
        slope = 1 + 3 * torch.rand(batch, 1, 1, device=dev)
        above = (torch.arange(bins, device=dev)[None, None, :] - cut + 1).clamp_min(0)
        low = torch.maximum(mel - slope * above, mel.amin(dim=(1, 2), keepdim=True))
        return torch.where(hit, low, mel)

    def encode_speech(self, mel: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw log-mel (batch, frames, n_mels) -> speech-encoder outputs (batch, frames / 4, 2 hidden) and
        their lengths (batch,). Frames past a row's length are zeroed after normalisation, so a row's
        output does not depend on what else is in the batch; augmentation in training mode."""
        mel = mel.float()
        if self.training and self.cfg.band_limit > 0:
            mel = self.limit_bandwidth(mel)
        keep = length_mask(lengths, mel.shape[1], mel.device)[..., None]
        if self.cfg.utterance_norm:
            count = keep.sum(1, keepdim=True).clamp_min(1)
            mean = (mel * keep).sum(1, keepdim=True) / count
            std = (((mel - mean) * keep) ** 2).sum(1, keepdim=True).div(count).sqrt().clamp_min(1e-3)
            x = (mel - mean) / std
        else:
            x = (mel - self.mel_mean) / self.mel_std
        x = x * keep
        if self.training:
            x = self.spec_augment(x, lengths)
        return self.speech_encoder(x, lengths)

    @torch.no_grad()
    def clean_speech_states(self, mel: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The speech encoder's outputs (batch, frames / 4, 2 hidden) without SpecAugment or dropout,
        without gradient: the consistency target of text injection."""
        was_training = self.training
        self.eval()
        try:
            return self.encode_speech(mel, lengths)[0]
        finally:
            self.train(was_training)

    def logits(self, hidden: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Shared encoder and head: (batch, frames', 2 hidden) -> unit logits (batch, frames', units)."""
        return self.head(self.shared_encoder(hidden, lengths))

    def forward(self, mel: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-probabilities (batch, frames / 4, units) and their lengths."""
        hidden, out_lengths = self.encode_speech(mel, lengths)
        return self.logits(hidden, out_lengths).log_softmax(-1), out_lengths

    def ctc_loss(self, log_probs: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor,
                 target_lengths: torch.Tensor) -> torch.Tensor:
        """Mean CTC loss per target unit: log_probs (batch, frames, units) with lengths (batch,), targets
        (batch, S) unit ids (0 = blank never appears) with target_lengths (batch,)."""
        return F.ctc_loss(log_probs.transpose(0, 1), targets, lengths, target_lengths, blank=0,
                          reduction="sum", zero_infinity=True) / target_lengths.sum().clamp_min(1)

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """{'loss'}: CTC of a batch of (mel, mel_lengths, targets, target_lengths), trimmed to its longest row;
        a text-injection batch (keys 'paired/...', 'text/...') gets `injection_loss`."""
        if "paired/mel" in batch:
            return self.injection_loss(batch)
        if self.matching is not None and self.training:
            return self.matching_loss(batch)
        frames, units = int(batch["mel_lengths"].max()), int(batch["target_lengths"].max())
        log_probs, lengths = self(batch["mel"][:, :frames], batch["mel_lengths"])
        return {"loss": self.ctc_loss(log_probs, lengths, batch["targets"][:, :units], batch["target_lengths"])}

    def text_states(self, units: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """SLAM-lite's text encoder output, one vector per unit: units (batch, U) -> (batch, U, 2 hidden)
        and lengths (batch,)."""
        if self.text_encoder is None:
            raise ValueError("text states need model.text_injection: slam or maestro")
        return self.text_encoder.project(self.text_encoder.encode(units)), (units > 0).sum(-1)

    def matching_loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """SLAM-lite: `speech` CTC of the audio plus `matching`, the binary cross-entropy of the matching head
        on [speech frames; unit states] through the shared encoder, for each row's own text (label 1) and the
        next row's (label 0); `loss` = speech + matching_weight * matching."""
        assert self.matching is not None
        frames = int(batch["mel_lengths"].max())
        hidden, lengths = self.encode_speech(batch["mel"][:, :frames], batch["mel_lengths"])
        targets = batch["targets"][:, : int(batch["target_lengths"].max())]
        speech = self.ctc_loss(self.logits(hidden, lengths).log_softmax(-1), lengths, targets, batch["target_lengths"])
        units = batch["units"][:, : int((batch["units"] > 0).sum(-1).max())]
        text, text_lengths = self.text_states(units)
        scores = []
        for shift in (0, 1):  # own text, then the next row's
            other, other_lengths = text.roll(shift, 0), text_lengths.roll(shift, 0)
            joined, joined_lengths = join_in_time(hidden, lengths, other, other_lengths)
            pooled = mean_pool(self.shared_encoder(joined, joined_lengths), joined_lengths)
            scores.append(self.matching(pooled).squeeze(-1))
        # a "negative" whose text is the row's own (a batch of one, or a sentence twice) is no negative
        negative = (units != units.roll(1, 0)).any(-1).float()
        labels = torch.cat([torch.ones_like(scores[0]), torch.zeros_like(scores[1])])
        weights = torch.cat([torch.ones_like(scores[0]), negative])
        matching = (F.binary_cross_entropy_with_logits(torch.cat(scores), labels, reduction="none") * weights
                    ).sum() / weights.sum()
        return {"loss": speech + self.cfg.matching_weight * matching, "speech": speech.detach(),
                "matching": matching.detach()}

    def text_loss(self, text: dict[str, torch.Tensor]) -> torch.Tensor:
        """CTC of text-only rows (units (batch, U), targets (batch, S), target_lengths (batch,)): the units
        through the text encoder, up-sampled by its own durations (at least `text_min_frames` per phone and
        one per word boundary, so character targets can be aligned from the first step), then the shared
        encoder and head. The speech encoder takes no part."""
        if self.text_encoder is None:
            raise ValueError("text-only rows need model.text_injection: maestro")
        units = text["units"][:, : int((text["units"] > 0).sum(-1).max())]
        states = self.text_encoder.encode(units)
        log_frames = self.text_encoder.log_frames(states)
        spread = self.text_encoder.predicted_durations(log_frames.detach(), units, self.cfg.text_min_frames,
                                                       boundary_min=1)
        frames, lengths = self.text_encoder.refine(states, spread)
        targets = text["targets"][:, : int(text["target_lengths"].max())]
        return self.ctc_loss(self.logits(frames, lengths).log_softmax(-1), lengths, targets, text["target_lengths"])

    def injection_loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Maestro-style losses: `speech` (CTC of the paired audio), `consistency` (refined text frames
        against the speech encoder's clean outputs, `clean_speech_states`, per frame and dimension), `duration` (log frames per unit) and
        `text` (CTC of text-only rows through the text encoder and the shared encoder); `loss` their
        weighted sum."""
        if self.text_encoder is None:
            raise ValueError("text-only rows need model.text_injection: maestro")
        paired = {k[7:]: v for k, v in batch.items() if k.startswith("paired/")}
        text = {k[5:]: v for k, v in batch.items() if k.startswith("text/")}
        frames = int(paired["mel_lengths"].max())
        hidden, lengths = self.encode_speech(paired["mel"][:, :frames], paired["mel_lengths"])
        targets = paired["targets"][:, : int(paired["target_lengths"].max())]
        speech = self.ctc_loss(self.logits(hidden, lengths).log_softmax(-1), lengths, targets, paired["target_lengths"])
        units = paired["units"][:, : int((paired["units"] > 0).sum(-1).max())]
        durations = paired["durations"][:, : units.shape[1]]
        refined, refined_lengths, log_frames = self.text_encoder(units, durations)
        target = self.clean_speech_states(paired["mel"][:, :frames], paired["mel_lengths"])
        span = min(refined.shape[1], target.shape[1])
        valid = length_mask(torch.minimum(refined_lengths, lengths), span, refined.device).float()
        error = ((refined[:, :span] - target[:, :span]) ** 2).mean(-1)
        consistency = (error * valid).sum() / valid.sum().clamp_min(1)
        duration = TextEncoder.duration_loss(log_frames, durations, units)
        text_ctc = self.text_loss(text)
        c = self.cfg
        total = speech + c.consistency_weight * consistency + c.duration_weight * duration + c.text_weight * text_ctc
        return {"loss": total, "speech": speech.detach(), "consistency": consistency.detach(),
                "duration": duration.detach(), "text": text_ctc.detach()}
