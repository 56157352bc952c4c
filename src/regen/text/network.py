"""The text denoiser network: the relative-position transformer over token positions.

Each position's input is its token embedding (the vocabulary plus Coconet's absorbing
token) plus a learned embedding of its known bit and of its absolute position; the blocks
are `regen.nn.relative_transformer`'s; a linear head gives logits over the vocabulary.
"""

from __future__ import annotations

import torch
from torch import nn

from regen.nn.relative_transformer import Block, TransformerConfig


class TextTransformer(nn.Module):
    """tokens (B, L) int64 + known (B, L) -> logits (B, L, vocab)."""

    def __init__(self, cfg: TransformerConfig, vocab: int, length: int) -> None:
        super().__init__()
        if cfg.dim % cfg.heads:
            raise ValueError("transformer dim must be divisible by heads")
        self.embed = nn.Embedding(vocab + 1, cfg.dim)
        self.known = nn.Embedding(2, cfg.dim)
        self.position = nn.Parameter(torch.randn(length, cfg.dim) * 0.02)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = nn.LayerNorm(cfg.dim)
        self.head = nn.Linear(cfg.dim, vocab)

    def forward(self, tokens: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens) + self.known(known.long()) + self.position[: tokens.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))
