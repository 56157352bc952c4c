"""Masks and corruption for masked denoising (0-active masks: 1 = known, 0 = corrupted)."""

from __future__ import annotations

from typing import Literal

import torch

Corruption = Literal["uniform", "absorb"]


def draw_known_mask(shape: tuple[int, ...], generator: torch.Generator | None = None,
                    device: torch.device | str = "cpu") -> torch.Tensor:
    """A training mask (batch, *shape[1:]) bool, True where the data is kept.

    Each example draws its own noise level u ~ U(0, 1); each position is corrupted
    with probability u (the thesis' `rand(N) < rand(N, T)`), so examples range from
    almost clean to almost pure noise.
    """
    level = torch.rand(shape[0], generator=generator, device=device)
    level = level.view(-1, *([1] * (len(shape) - 1)))
    return torch.rand(shape, generator=generator, device=device) >= level


def corrupt(tokens: torch.Tensor, known: torch.Tensor, vocab: int, kind: Corruption = "uniform",
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Replace unknown positions of `tokens` (batch, *shape): uniform random tokens in
    [0, vocab) (SUNMASK, SUNDAE) or the absorbing token `vocab` (Coconet's blanking)."""
    if kind == "absorb":
        noise = torch.full_like(tokens, vocab)
    elif kind == "uniform":
        noise = torch.randint(0, vocab, tokens.shape, generator=generator, device=tokens.device)
    else:
        raise ValueError(f"unknown corruption {kind!r}; use 'uniform' or 'absorb'")
    return torch.where(known, tokens, noise)
