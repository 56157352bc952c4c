"""A WaveRNN-style neural vocoder: the renderer Stage Y' -> Y of speech, P(waveform | log-mel).

Why this model. The thesis turns R-MelNet's log-mels into audio with a WaveRNN
(Kalchbrenner et al., 2018, via McCarthy's 2018 PyTorch version, thesis §6.3), keeping
audio decoding autoregressive, and notes that linearly interpolating the mel frames up
to the sample rate worked better than a learned convolutional upsampler. We keep that
recipe because it is the one that fits a 2-core CPU both ways:

- training is teacher-forced, so one `nn.GRU` call covers a whole segment and a tiny
  model (GRU 128) learns useful audio from a few thousand short segments in tens of
  minutes; the loss is a plain cross-entropy over mu-law classes (8 or 9 bits), which is
  stable without the mixture-of-logistics tricks of larger vocoders;
- generation is one GRU step per sample, but "folded": the utterance is cut into folds
  of `fold` samples that run as one batch and are cross-faded over `overlap` samples, so
  the sequential depth is `fold + overlap` whatever the utterance length. With the
  conditioning's input projections computed once per block of steps and inverse-CDF
  sampling (one uniform per sample instead of one random number per class), a step costs
  three small matrix products: the tiny model runs at ~0.45x real time on one busy core.

Subband or LPC variants (multi-band / LPCNet) would be faster still, but need PQMF or
LPC analysis that nothing else in `regen` uses; a GAN vocoder would not train in minutes.

Network, for log-mel cond (batch, frames, n_mels) and waveform (batch, frames * hop):
    context    Conv1d(k=5) then residual Conv1d(k=3) blocks over frames -> (batch, frames, cond_dim)
    upsample   per-channel linear interpolation of frame f (centred at sample f * hop) to
               every sample -> (batch, frames * hop, cond_dim)
    GRU        input [previous sample in the mu-law domain, conditioning] -> rnn_dim
    output     ReLU(Linear([h, conditioning])) -> Linear -> 2**bits logits of the next sample
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from regen.core.errors import RegenError
from regen.speech.features.mel import check_log_mel
from regen.speech.vocoder.base import MelVocoder


def mu_law_encode(wave: torch.Tensor, bits: int) -> torch.Tensor:
    """Waveform in [-1, 1] (any shape) -> int64 classes in [0, 2**bits)."""
    mu = 2**bits - 1
    x = wave.clamp(-1.0, 1.0)
    y = torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)
    return ((y + 1) / 2 * mu).round().long()


def mu_law_decode(classes: torch.Tensor, bits: int) -> torch.Tensor:
    """Inverse of `mu_law_encode`: int classes -> float waveform in [-1, 1]."""
    y = class_to_unit(classes, bits)
    mu = 2**bits - 1
    return torch.sign(y) * torch.expm1(y.abs() * math.log1p(mu)) / mu


def class_to_unit(classes: torch.Tensor, bits: int) -> torch.Tensor:
    """Classes -> their companded value in [-1, 1] (the network's previous-sample input)."""
    return classes.float() * (2.0 / (2**bits - 1)) - 1.0


@dataclass
class VocoderConfig:
    """Network sizes; `configs/speech/vocoder-{tiny,paper}.yaml`."""

    mel: str = "logmel-ch4"
    n_mels: int = 80
    hop: int = 128
    bits: int = 9
    cond_dim: int = 128
    cond_blocks: int = 10
    rnn_dim: int = 512
    fc_dim: int = 512
    train_frames: int = 5

    def __post_init__(self) -> None:
        if min(self.n_mels, self.hop, self.cond_dim, self.rnn_dim, self.fc_dim, self.train_frames) < 1:
            raise ValueError("all sizes must be >= 1")
        if not 4 <= self.bits <= 12:
            raise ValueError(f"bits must lie in 4..12, got {self.bits}")
        if self.cond_blocks < 0:
            raise ValueError("cond_blocks must be >= 0")

    @property
    def context_frames(self) -> int:
        """Frames each side that the context network sees (its receptive radius)."""
        return 2 + self.cond_blocks


@dataclass
class VocoderDataConfig:
    """How an LJSpeech-layout corpus (`corpus`) becomes training segments (`regen.speech.vocoder.data`);
    `voice` reads `corpus` and records `regen evaluate`'s held-out sentences when `corpus` is not here
    (`regen.speech.data.eval_corpus`)."""

    corpus: str = "data/corpus-slt"
    voice: str = "festival:slt"
    chunk_frames: int = 32
    chunks_per_utterance: int = 8
    max_utterances: int = 0
    stats_utterances: int = 200
    valid_utterances: int = 3

    def __post_init__(self) -> None:
        if min(self.chunk_frames, self.chunks_per_utterance, self.stats_utterances) < 1:
            raise ValueError("chunk_frames, chunks_per_utterance and stats_utterances must be >= 1")
        if self.max_utterances < 0 or self.valid_utterances < 0:
            raise ValueError("max_utterances and valid_utterances must be >= 0")
        if ":" not in self.voice:
            raise ValueError(f"voice must be a voice spec such as festival:slt or espeak:en-us, got '{self.voice}'")


class ResBlock(nn.Module):
    """Conv1d(k=3), batch norm, ReLU, Conv1d(k=1), residual: (batch, ch, frames) -> same."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm1d(channels)
        self.mix = nn.Conv1d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mix(F.relu(self.norm(self.conv(x))))


def upsample_frames(feats: torch.Tensor, hop: int) -> torch.Tensor:
    """Linear interpolation between centred frames: (batch, frames, ch) -> (batch, frames * hop, ch).

    Sample n sits at frame position n / hop, so sample f * hop gets frame f exactly
    and the last frame is held for the final hop.
    """
    nxt = torch.cat([feats[:, 1:], feats[:, -1:]], dim=1)
    frac = torch.arange(hop, dtype=feats.dtype, device=feats.device).div(hop)[None, None, :, None]
    up = feats[:, :, None] * (1 - frac) + nxt[:, :, None] * frac  # (batch, frames, hop, ch)
    return up.reshape(feats.shape[0], -1, feats.shape[-1])


class WaveRNNVocoder(MelVocoder):
    """P(waveform | normalised log-mel) with folded sampling; see the module docstring.

    `vocode` accepts raw log-mels too (the normalisation travels with the weights, see `MelVocoder`).
    """

    def __init__(self, cfg: VocoderConfig, sample_rate: int = 22050, mel_name: str = "ch4") -> None:
        super().__init__(cfg.n_mels, sample_rate, mel_name)
        self.cfg = cfg
        self.classes = 2**cfg.bits
        self.context = nn.Sequential(nn.Conv1d(cfg.n_mels, cfg.cond_dim, 5, padding=2),
                                     *(ResBlock(cfg.cond_dim) for _ in range(cfg.cond_blocks)))
        self.rnn = nn.GRU(1 + cfg.cond_dim, cfg.rnn_dim, batch_first=True)
        self.fc1 = nn.Linear(cfg.rnn_dim + cfg.cond_dim, cfg.fc_dim)
        self.fc2 = nn.Linear(cfg.fc_dim, self.classes)

    def check_cond(self, cond: torch.Tensor) -> torch.Tensor:
        """Validate a log-mel batch (batch, frames, n_mels); RegenError with one line otherwise."""
        return check_log_mel(cond, self.cfg.n_mels, self.mel_name)

    def conditioning(self, cond: torch.Tensor) -> torch.Tensor:
        """Normalised log-mel (batch, frames, n_mels) -> per-sample features (batch, frames * hop, cond_dim)."""
        feats = self.context(cond.transpose(1, 2)).transpose(1, 2)
        return upsample_frames(feats, self.cfg.hop)

    def logits(self, prev: torch.Tensor, cond_seq: torch.Tensor) -> torch.Tensor:
        """Teacher-forced: prev (batch, T) in [-1, 1], cond_seq (batch, T, cond_dim) -> (batch, T, classes)."""
        h, _ = self.rnn(torch.cat([prev[..., None], cond_seq], dim=-1))
        return self.fc2(F.relu(self.fc1(torch.cat([h, cond_seq], dim=-1))))

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Cross-entropy of the next mu-law class on one random window per row.

        batch: `cond` (batch, frames, n_mels) normalised log-mel, `target` (batch,
        frames * hop) audio. The window of `train_frames` frames starts at least
        `context_frames` frames from either edge, so it sees the same context
        network output as a whole utterance would.
        """
        cond = self.check_cond(batch["cond"])
        audio = batch["target"].float()
        b, frames, _ = cond.shape
        hop, ctx, win = self.cfg.hop, self.cfg.context_frames, self.cfg.train_frames
        if audio.shape != (b, frames * hop):
            raise RegenError(f"target audio {tuple(audio.shape)} is not aligned with {frames} frames x hop {hop}")
        if frames < win + 2 * ctx + 1:
            raise RegenError(f"segments of {frames} frames are too short; need >= {win + 2 * ctx + 1}")
        starts = torch.randint(ctx, frames - ctx - win + 1, (b,), device=cond.device) * hop
        idx = starts[:, None] + torch.arange(win * hop, device=cond.device)  # (batch, T)
        cond_seq = torch.gather(self.conditioning(cond), 1, idx[..., None].expand(-1, -1, self.cfg.cond_dim))
        classes = mu_law_encode(audio, self.cfg.bits)
        prev = class_to_unit(torch.gather(classes, 1, idx - 1), self.cfg.bits)
        logits = self.logits(prev, cond_seq)
        nll = F.cross_entropy(logits.reshape(-1, self.classes), torch.gather(classes, 1, idx).reshape(-1))
        return {"loss": nll, "bits_per_sample": nll.detach() / math.log(2)}

    @torch.no_grad()
    def vocode(self, log_mel: torch.Tensor, **controls: Any) -> torch.Tensor:
        """Raw (unnormalised) log-mel (frames, n_mels) or (batch, frames, n_mels) -> waveform."""
        x = torch.as_tensor(log_mel, dtype=torch.float32)
        single = x.dim() == 2
        wave = self.sample(self.normalize(self.check_cond(x[None] if single else x)), **controls)
        return wave[0] if single else wave

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, temperature: float = 1.0, fold: int = 1024,
               overlap: int = 128, progress: bool = False, block: int = 256) -> torch.Tensor:
        """Normalised log-mel (batch, frames, n_mels) -> waveform (batch * n, frames * hop).

        The sequence is cut into folds of `fold` samples generated as one batch; each
        fold first runs `overlap` warm-up samples that are cross-faded with the end of
        the fold before it (fold=0 generates the whole sequence in one pass).
        """
        cond = self.check_cond(cond)
        if n < 1 or block < 1 or temperature <= 0 or overlap < 0 or fold < 0 or (fold and fold < overlap):
            raise RegenError("need n >= 1, block >= 1, temperature > 0 and fold = 0 or fold >= overlap >= 0")
        was_training = self.training
        self.eval()
        try:
            cond = cond.repeat_interleave(n, dim=0)
            up = self.conditioning(cond)  # (B, T, C)
            b, total, _ = up.shape
            fold = min(fold or total, total)  # a short input is one fold
            overlap = min(overlap, fold)
            folds = -(-total // fold)
            padded = torch.cat([up[:, :1].expand(-1, overlap, -1), up,
                                up[:, -1:].expand(-1, folds * fold - total, -1)], dim=1)
            pieces = torch.stack([padded[:, i * fold:i * fold + overlap + fold] for i in range(folds)], dim=1)
            out = self._generate(pieces.reshape(b * folds, overlap + fold, -1), temperature, progress, block)
            wave = self._unfold(out.reshape(b, folds, overlap + fold), fold, overlap)
            return wave[:, overlap:overlap + total]
        finally:
            self.train(was_training)

    def _generate(self, cond_seq: torch.Tensor, temperature: float, progress: bool, block: int) -> torch.Tensor:
        """Sequential sampling: cond_seq (rows, T, C) -> waveform (rows, T)."""
        rows, steps, _ = cond_seq.shape
        w_ih, w_hh = self.rnn.weight_ih_l0, self.rnn.weight_hh_l0
        b_ih, b_hh = self.rnn.bias_ih_l0, self.rnn.bias_hh_l0
        w_prev, w_cond = w_ih[:, :1].t(), w_ih[:, 1:]
        fc1_h, fc1_c = self.fc1.weight[:, :self.cfg.rnn_dim].t(), self.fc1.weight[:, self.cfg.rnn_dim:]
        fc2_w = self.fc2.weight.t() / temperature
        fc2_b = self.fc2.bias / temperature
        h = cond_seq.new_zeros(rows, self.cfg.rnn_dim)
        x = cond_seq.new_zeros(rows, 1)
        out = cond_seq.new_empty(rows, steps)
        top = self.classes - 1
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=steps, desc="vocoder", unit="step", leave=False)
        for first in range(0, steps, block):
            chunk = cond_seq[:, first:first + block]
            gi_all = F.linear(chunk, w_cond, b_ih)  # (rows, block, 3H): conditioning's share, once per block
            fc_all = F.linear(chunk, fc1_c, self.fc1.bias)
            uniform = torch.rand(chunk.shape[1], rows, 1, device=chunk.device)
            for t in range(chunk.shape[1]):
                gi = torch.addmm(gi_all[:, t], x, w_prev)
                gh = torch.addmm(b_hh, h, w_hh.t())
                i_r, i_z, i_n = gi.chunk(3, dim=1)
                h_r, h_z, h_n = gh.chunk(3, dim=1)
                r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
                cand = torch.tanh(i_n + r * h_n)
                h = cand + z * (h - cand)
                hidden = torch.relu(torch.addmm(fc_all[:, t], h, fc1_h))
                cdf = torch.softmax(torch.addmm(fc2_b, hidden, fc2_w), dim=1).cumsum_(1)
                # inverse-CDF sampling: one uniform per row (multinomial draws one per class)
                x = class_to_unit(torch.searchsorted(cdf, uniform[t]).clamp_(max=top), self.cfg.bits)
                out[:, first + t] = x[:, 0]
            if bar is not None:
                bar.update(chunk.shape[1])
        if bar is not None:
            bar.close()
        mu = 2**self.cfg.bits - 1
        return torch.sign(out) * torch.expm1(out.abs() * math.log1p(mu)) / mu

    @staticmethod
    def _unfold(pieces: torch.Tensor, fold: int, overlap: int) -> torch.Tensor:
        """(batch, folds, overlap + fold) -> (batch, overlap + folds * fold), cross-fading overlaps."""
        b, folds, _ = pieces.shape
        wave = pieces.new_zeros(b, overlap + folds * fold)
        fade = torch.linspace(0.0, 1.0, overlap + 2, device=pieces.device)[1:-1]
        for i in range(folds):
            piece = pieces[:, i].clone()
            if i > 0 and overlap:
                start = i * fold
                piece[:, :overlap] = wave[:, start:start + overlap] * (1 - fade) + piece[:, :overlap] * fade
            wave[:, i * fold:i * fold + overlap + fold] = piece
        return wave
