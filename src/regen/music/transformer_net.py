"""Transformer SUNMASK denoiser: the bidirectional relative-position transformer of
`regen.nn.relative_transformer` over chorale time steps.

Each 16th-note time step is one position; its input embedding is the sum of one
embedding per voice of that voice's token plus a projection of the four known-mask
bits. The paper size (thesis §8.8: 16 layers, 512 wide, 2048 hidden,
8 heads of 64) has ~50M parameters.
"""

from __future__ import annotations

import torch
from torch import nn

from regen.nn.relative_transformer import Block, TransformerConfig

__all__ = ["TransformerConfig", "TransformerDenoiser"]


class TransformerDenoiser(nn.Module):
    """tokens (B, voices, T) + known (B, voices, T) -> logits (B, voices, T, vocab)."""

    def __init__(self, cfg: TransformerConfig, voices: int, vocab: int) -> None:
        super().__init__()
        if cfg.dim % cfg.heads:
            raise ValueError("transformer dim must be divisible by heads")
        self.cfg, self.voices, self.vocab = cfg, voices, vocab
        self.embed = nn.Embedding(voices * (vocab + 1), cfg.dim)
        self.known = nn.Linear(voices, cfg.dim)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = nn.LayerNorm(cfg.dim)
        self.head = nn.Linear(cfg.dim, voices * vocab)

    def forward(self, tokens: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        b, v, t = tokens.shape
        offsets = torch.arange(v, device=tokens.device).view(1, v, 1) * (self.vocab + 1)
        x = self.embed(tokens + offsets).sum(1) + self.known(known.float().transpose(1, 2))
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.norm(x)).view(b, t, v, self.vocab)
        return logits.permute(0, 2, 1, 3)
