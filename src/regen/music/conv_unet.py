"""Convolutional SUNMASK denoiser: an attentional U-Net that resamples only along time.

Axes follow the thesis (N, C, H, W) == (batch, voices, time, pitch): voices are the
input channels, the pitch axis is the image width, and every convolution kernel is
(kernel_time, kernel_pitch) with kernel_pitch up to the whole pitch axis (4 x 57 in
the paper model), so each layer sees all pitches at once. Attention (1 head) runs
over all (time, pitch) positions at the innermost level and in the middle block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class ConvUNetConfig:
    """Sizes of the U-Net; `paper` in configs/music uses thesis §8.7 (~417M parameters)."""

    hidden: int = 16
    kernel_time: int = 3
    kernel_pitch: int = 9
    block_scales: tuple[int, ...] = (1, 2)
    res_blocks: int = 1
    attention: bool = True
    dropout: float = 0.0


def _norm(ch: int) -> nn.GroupNorm:
    return nn.GroupNorm(math.gcd(32, ch), ch)


class ResBlock(nn.Module):
    """Norm-SiLU-conv twice with a residual path: (B, cin, T, P) -> (B, cout, T, P)."""

    def __init__(self, cin: int, cout: int, kernel: tuple[int, int], dropout: float) -> None:
        super().__init__()
        self.body = nn.Sequential(_norm(cin), nn.SiLU(), nn.Conv2d(cin, cout, kernel, padding="same"),
                                  _norm(cout), nn.SiLU(), nn.Dropout(dropout),
                                  nn.Conv2d(cout, cout, kernel, padding="same"))
        self.skip = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.skip(h) + self.body(h)


class SpatialAttention(nn.Module):
    """Single-head self-attention over all (time, pitch) positions of (B, C, T, P)."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.norm = _norm(ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.out = nn.Conv2d(ch, ch, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        b, c, t, p = h.shape
        q, k, v = self.qkv(self.norm(h)).flatten(2).transpose(1, 2).chunk(3, dim=-1)
        a = F.scaled_dot_product_attention(q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)).squeeze(1)
        return h + self.out(a.transpose(1, 2).reshape(b, c, t, p))


class ConvUNetDenoiser(nn.Module):
    """tokens (B, voices, T) + known (B, voices, T) -> logits (B, voices, T, vocab).

    Tokens are one-hot over the pitch axis (the absorbing id `vocab` becomes all
    zeros, Coconet's blanking); the known mask is broadcast over pitch as extra
    channels. T must be divisible by 2 ** (len(block_scales) - 1).
    """

    def __init__(self, cfg: ConvUNetConfig, voices: int, vocab: int) -> None:
        super().__init__()
        self.cfg, self.voices, self.vocab = cfg, voices, vocab
        kernel = (cfg.kernel_time, min(cfg.kernel_pitch, vocab))
        chans = [cfg.hidden * s for s in cfg.block_scales]
        self.stem = nn.Conv2d(2 * voices, chans[0], kernel, padding="same")
        self.down = nn.ModuleList()
        skips = [chans[0]]
        ch = chans[0]
        for level, out_ch in enumerate(chans):
            blocks = nn.ModuleList()
            for _ in range(cfg.res_blocks):
                blocks.append(ResBlock(ch, out_ch, kernel, cfg.dropout))
                ch = out_ch
                skips.append(ch)
            if cfg.attention and level == len(chans) - 1:
                blocks.append(SpatialAttention(ch))
            if level < len(chans) - 1:
                blocks.append(nn.Conv2d(ch, ch, (4, kernel[1]), stride=(2, 1), padding=(1, kernel[1] // 2)))
                skips.append(ch)
            self.down.append(blocks)
        self.middle = nn.Sequential(ResBlock(ch, ch, kernel, cfg.dropout),
                                    SpatialAttention(ch) if cfg.attention else nn.Identity(),
                                    ResBlock(ch, ch, kernel, cfg.dropout))
        self.up = nn.ModuleList()
        for level, out_ch in reversed(list(enumerate(chans))):
            blocks = nn.ModuleList()
            for _ in range(cfg.res_blocks + 1):
                blocks.append(ResBlock(ch + skips.pop(), out_ch, kernel, cfg.dropout))
                ch = out_ch
            if cfg.attention and level == len(chans) - 1:
                blocks.append(SpatialAttention(ch))
            if level > 0:
                blocks.append(nn.Sequential(nn.Upsample(scale_factor=(2, 1), mode="nearest"),
                                            nn.Conv2d(ch, ch, kernel, padding="same")))
            self.up.append(blocks)
        self.head = nn.Sequential(_norm(ch), nn.SiLU(), nn.Conv2d(ch, voices, kernel, padding="same"))

    def forward(self, tokens: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(tokens, self.vocab + 1)[..., :self.vocab].float()
        mask = known.float().unsqueeze(-1).expand_as(onehot)
        h = self.stem(torch.cat([onehot, mask], dim=1))
        hs = [h]
        for blocks in self.down:
            for block in blocks:
                h = block(h)
                if not isinstance(block, SpatialAttention):
                    hs.append(h)
        h = self.middle(h)
        for blocks in self.up:
            for block in blocks:
                if isinstance(block, ResBlock):
                    h = block(torch.cat([h, hs.pop()], dim=1))
                else:
                    h = block(h)
        return self.head(h)
