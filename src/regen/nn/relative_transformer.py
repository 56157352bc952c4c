"""A bidirectional transformer with relative position bias, shared by the token denoisers.

Blocks map (B, T, D) -> (B, T, D) with pre-norm residual attention and feed-forward layers.
Attention is bidirectional unless asked to be causal (a left-to-right baseline) and adds a learned bias per head and clipped relative distance
(a relative multi-head attention in the spirit of Shaw et al. / Music Transformer). Each
domain puts its own embedding in front and its own head behind (`regen.music.transformer_net`,
`regen.text.network`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class TransformerConfig:
    """Sizes of the transformer denoiser."""

    layers: int = 4
    dim: int = 128
    hidden: int = 512
    heads: int = 4
    max_distance: int = 64
    dropout: float = 0.0


class RelativeSelfAttention(nn.Module):
    """Multi-head self-attention over (B, T, D) with a learned bias per head and distance."""

    def __init__(self, dim: int, heads: int, max_distance: int, dropout: float) -> None:
        super().__init__()
        self.heads, self.max_distance, self.dropout = heads, max_distance, dropout
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.bias = nn.Embedding(2 * max_distance + 1, heads)

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        pos = torch.arange(t, device=x.device)
        rel = (pos[None, :] - pos[:, None]).clamp(-self.max_distance, self.max_distance) + self.max_distance
        bias = self.bias(rel).permute(2, 0, 1).unsqueeze(0)  # (1, heads, T, T)
        if causal:  # position i sees positions <= i only
            bias = bias.masked_fill(pos[None, :] > pos[:, None], float("-inf"))
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype),
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.out(a.transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    """Pre-norm transformer block: (B, T, D) -> (B, T, D)."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.dim)
        self.attn = RelativeSelfAttention(cfg.dim, cfg.heads, cfg.max_distance, cfg.dropout)
        self.norm2 = nn.LayerNorm(cfg.dim)
        self.ff = nn.Sequential(nn.Linear(cfg.dim, cfg.hidden), nn.GELU(), nn.Dropout(cfg.dropout),
                                nn.Linear(cfg.hidden, cfg.dim))

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), causal)
        return x + self.ff(self.norm2(x))
