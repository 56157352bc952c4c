"""Diagonal guided-attention prior (Tachibana et al., 2018, "Efficiently trainable text-to-speech").

Speech reads text left to right at a roughly even pace, so decoder step t of T should attend near
input n ~ (t / T) N. The prior penalises attention far from that diagonal:

    W[t, n] = 1 - exp(-(n / N - t / T)^2 / (2 g^2)),     penalty = mean over valid steps of sum_n A[t, n] W[t, n]

with N, T each row's own text length and number of decoder steps, and width g (0.2 in the paper).
Added to the loss with a small weight, it speeds up the alignment learning that attention TTS
otherwise spends most of its early training on.
"""

from __future__ import annotations

import torch


def diagonal_penalty(weights: torch.Tensor, text_lengths: torch.Tensor, step_lengths: torch.Tensor,
                     step_offset: int = 0, width: float = 0.2) -> torch.Tensor:
    """Mean off-diagonal attention mass (a scalar).

    weights (batch, steps, inputs): attention per decoder step (rows sum to 1 over the valid inputs);
    text_lengths (batch,): valid inputs per row; step_lengths (batch,): each row's total decoder steps
    (of the whole utterance, so a TBPTT chunk starting at step `step_offset` keeps its place on the
    diagonal). Steps at or beyond a row's length do not count.
    """
    batch, steps, inputs = weights.shape
    t = (torch.arange(steps, device=weights.device, dtype=torch.float32) + step_offset)[None, :, None]
    n = torch.arange(inputs, device=weights.device, dtype=torch.float32)[None, None, :]
    text = text_lengths.to(weights.device).float().clamp_min(1)[:, None, None]
    total = step_lengths.to(weights.device).float().clamp_min(1)[:, None, None]
    prior = 1 - torch.exp(-((n / text - t / total) ** 2) / (2 * width**2))
    valid = (t[..., 0] < total[..., 0]).float()  # (batch, steps)
    per_step = (weights.float() * prior).sum(-1)
    return (per_step * valid).sum() / valid.sum().clamp_min(1)
