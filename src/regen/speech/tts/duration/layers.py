"""The blocks of the duration-based converter (FastSpeech 2, Ren et al. 2021).

    FFTBlock          feed-forward Transformer block: multi-head self-attention (optional), then
                      Conv1d(k) -> ReLU -> Conv1d(1), each with dropout, residual and LayerNorm
    FFTStack          sinusoidal positions, then FFT blocks, padding kept at zero
    VariancePredictor two Conv1d(k) -> ReLU -> LayerNorm -> dropout, then a linear layer to one
                      scalar per position: log-durations, pitch or energy
    VarianceEmbedding a scalar quantised into bins, then an embedding (FastSpeech 2's pitch and
                      energy embeddings)
    length_regulate   each symbol's state repeated for its frames: (batch, symbols, dim) ->
                      (batch, frames, dim)
    phone_position    where each frame lies inside its symbol: (batch, frames, 3) features that let a
                      convolutional decoder shape a phone's onset, middle and release
    Postnet           Tacotron 2's five convolutions with batch norm and tanh, a residual on the mel
"""

from __future__ import annotations

import math

import torch
from torch import nn


def sinusoids(length: int, dim: int, device: torch.device | None = None) -> torch.Tensor:
    """Transformer sinusoidal positions (length, dim): sin on even, cos on odd channels."""
    position = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    rates = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim))
    out = torch.zeros(length, dim, device=device)
    out[:, 0::2] = torch.sin(position * rates)
    out[:, 1::2] = torch.cos(position * rates[: dim // 2])
    return out


class FFTBlock(nn.Module):
    """(batch, length, dim), mask (batch, length) bool -> (batch, length, dim); attention off when heads = 0."""

    def __init__(self, dim: int, heads: int, filter_size: int, kernel: int, dropout: float) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True) if heads else None
        self.attention_norm = nn.LayerNorm(dim) if heads else None
        self.conv = nn.Sequential(nn.Conv1d(dim, filter_size, kernel, padding=kernel // 2), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Conv1d(filter_size, dim, 1))
        self.conv_norm = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask[..., None].to(x.dtype)
        if self.attention is not None:
            attended, _ = self.attention(x, x, x, key_padding_mask=~mask, need_weights=False)
            x = self.attention_norm(x + self.dropout(attended)) * keep
        y = self.conv((x * keep).transpose(1, 2)).transpose(1, 2)
        return self.conv_norm(x + self.dropout(y)) * keep


class FFTStack(nn.Module):
    """Positions added, then `layers` FFT blocks: (batch, length, dim), mask (batch, length) -> same shape."""

    def __init__(self, layers: int, dim: int, heads: int, filter_size: int, kernel: int, dropout: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(FFTBlock(dim, heads, filter_size, kernel, dropout) for _ in range(layers))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = (x + sinusoids(x.shape[1], x.shape[2], x.device)) * mask[..., None].to(x.dtype)
        for block in self.blocks:
            x = block(x, mask)
        return x


class VariancePredictor(nn.Module):
    """(batch, symbols, dim), mask (batch, symbols) -> one scalar per symbol (batch, symbols), 0 on padding."""

    def __init__(self, dim: int, filter_size: int, kernel: int, dropout: float) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for k in range(2):
            layers += [_Conv(dim if k == 0 else filter_size, filter_size, kernel), nn.ReLU(),
                       nn.LayerNorm(filter_size), nn.Dropout(dropout)]
        self.layers = nn.Sequential(*layers)
        self.out = nn.Linear(filter_size, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.out(self.layers(x * mask[..., None].to(x.dtype)))[..., 0] * mask.to(x.dtype)


class _Conv(nn.Module):
    """Conv1d over the time axis of (batch, length, channels) tensors."""

    def __init__(self, channels_in: int, channels_out: int, kernel: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels_in, channels_out, kernel, padding=kernel // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x.transpose(1, 2)).transpose(1, 2)


class VarianceEmbedding(nn.Module):
    """A normalised scalar (batch, symbols), quantised into `bins` equal bins over [-limit, limit],
    -> (batch, symbols, dim)."""

    def __init__(self, bins: int, dim: int, limit: float = 4.0) -> None:
        super().__init__()
        self.register_buffer("edges", torch.linspace(-limit, limit, bins - 1), persistent=False)
        self.embed = nn.Embedding(bins, dim)

    def forward(self, value: torch.Tensor) -> torch.Tensor:
        return self.embed(torch.bucketize(value.detach().contiguous(), self.edges))


def length_regulate(states: torch.Tensor, durations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Repeat symbol i's state durations[i] times: states (batch, symbols, dim), durations (batch,
    symbols) int -> (frames (batch, max total, dim) zero past each row's total, lengths (batch,))."""
    ends = durations.long().clamp_min(0).cumsum(-1)
    lengths = ends[:, -1]
    t = torch.arange(max(int(lengths.max()), 1), device=states.device)
    index = torch.searchsorted(ends, t.expand(len(ends), -1).contiguous(), right=True)
    inside = t[None] < lengths[:, None]
    index = index.clamp_max(states.shape[1] - 1)
    frames = torch.gather(states, 1, index[..., None].expand(-1, -1, states.shape[2]))
    return frames * inside[..., None].to(states.dtype), lengths


PHONE_POSITION_FEATURES = 3


def phone_position(durations: torch.Tensor, frames: int) -> torch.Tensor:
    """Within-symbol position of every frame (batch, frames, 3) for durations (batch, symbols) int: the
    fraction of its symbol already spoken at the frame's centre, (k + 0.5) / d; the same counted from the
    end, 1 - that; and the symbol's log duration log(d) / log(64). Zero past each row's total.

    Length regulation gives every frame of a symbol the same state; a convolutional decoder with a few
    frames of reach cannot tell the middle of a long vowel from its edges, and draws each phone as a flat
    block. DurIAN and Parallel Tacotron give the decoder this position; here it is added through a
    linear layer (`DurationConfig.phone_position`)."""
    d = durations.long().clamp_min(0)
    ends = d.cumsum(-1)
    t = torch.arange(frames, device=d.device)
    index = torch.searchsorted(ends, t.expand(len(d), -1).contiguous(), right=True).clamp_max(d.shape[1] - 1)
    length = torch.gather(d, 1, index).float()
    start = torch.gather(ends - d, 1, index).float()
    inside = (t[None] < ends[:, -1:]).float()
    fraction = (t[None] - start + 0.5) / length.clamp_min(1)
    features = torch.stack([fraction, 1 - fraction, torch.log(length.clamp_min(1)) / math.log(64.0)], -1)
    return features * inside[..., None]


class Postnet(nn.Module):
    """(batch, frames, n_mels) -> a residual of the same shape (Tacotron 2's postnet)."""

    def __init__(self, n_mels: int, channels: int, kernel: int, layers: int, dropout: float) -> None:
        super().__init__()
        convs: list[nn.Module] = []
        for k in range(layers):
            last = k == layers - 1
            convs += [nn.Conv1d(n_mels if k == 0 else channels, n_mels if last else channels, kernel,
                                padding=kernel // 2), nn.BatchNorm1d(n_mels if last else channels)]
            convs += [nn.Dropout(dropout)] if last else [nn.Tanh(), nn.Dropout(dropout)]
        self.layers = nn.Sequential(*convs)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.layers(mel.transpose(1, 2)).transpose(1, 2)
