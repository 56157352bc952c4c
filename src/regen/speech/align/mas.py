"""Monotonic alignment search (Glow-TTS, Kim et al. 2020): the best hard alignment of symbols to frames.

Given scores (batch, symbols, frames), e.g. the log-likelihood of mel frame t under symbol i, MAS
finds the path that maximises the summed score subject to

    monotonic   frame t + 1 stays on the symbol of frame t or moves to the next one
    complete    the path starts at (0, 0) and ends at (N - 1, T - 1): every symbol gets at
                least one frame and the durations sum to the frames (needs T >= N)

by dynamic programming, Q[i, t] = score[i, t] + max(Q[i, t - 1], Q[i - 1, t - 1]), then
backtracking from the last cell. The recursion runs over the frame axis only; each step is a
vector operation over (batch, symbols), so the work is O(batch x symbols x frames) with T Python
steps (about 30 microseconds each). Ties keep the path on the same symbol. Padding (symbols past
`symbol_lengths`, frames past `frame_lengths`) is never visited.
"""

from __future__ import annotations

import torch

from regen.core.errors import RegenError


@torch.no_grad()
def monotonic_alignment_search(scores: torch.Tensor, symbol_lengths: torch.Tensor,
                               frame_lengths: torch.Tensor) -> torch.Tensor:
    """Hard path (batch, symbols, frames) float 0/1 maximising the summed `scores` (batch, symbols, frames),
    one frame on exactly one symbol; `symbol_lengths`, `frame_lengths` (batch,) give each row's size."""
    if scores.dim() != 3:
        raise RegenError(f"MAS needs scores of shape (batch, symbols, frames), got {tuple(scores.shape)}")
    batch, symbols, frames = scores.shape
    n, t_len = symbol_lengths.long().cpu(), frame_lengths.long().cpu()
    if bool((n < 1).any()) or bool((t_len < n).any()) or int(n.max()) > symbols or int(t_len.max()) > frames:
        raise RegenError("MAS needs 1 <= symbols <= frames in every row (within the score matrix)")
    value = scores.detach().float().cpu()
    inside = torch.arange(symbols)[None, :, None] < n[:, None, None]
    value = value.masked_fill(~inside, float("-inf"))
    advanced = torch.zeros(batch, symbols, frames, dtype=torch.bool)  # cell reached from (i - 1, t - 1)
    q = torch.full((batch, symbols), float("-inf"))
    q[:, 0] = value[:, 0, 0]
    blocked = torch.full((batch, 1), float("-inf"))
    for t in range(1, frames):
        previous = torch.cat([blocked, q[:, :-1]], dim=1)
        step = previous > q
        advanced[:, :, t] = step
        q = torch.where(step, previous, q) + value[:, :, t]
    path = torch.zeros(batch, symbols, frames)
    rows, index = torch.arange(batch), n - 1
    for t in range(frames - 1, -1, -1):
        active = t < t_len
        path[rows, index, t] = active.float()
        index = index - (advanced[rows, index, t] & active).long()
    return path.to(scores.device)


def path_durations(path: torch.Tensor) -> torch.Tensor:
    """Frames per symbol (batch, symbols) int64 of a hard path (batch, symbols, frames)."""
    return path.sum(-1).round().long()


def durations_to_path(durations: torch.Tensor, frames: int | None = None) -> torch.Tensor:
    """The hard path (batch, symbols, frames) float of durations (batch, symbols): symbol i covers
    frames [sum(d[:i]), sum(d[:i + 1])); `frames` defaults to the longest row's total."""
    ends = durations.long().cumsum(-1)
    total = int(ends[:, -1].max()) if frames is None else frames
    t = torch.arange(total, device=durations.device)[None, None]
    return ((t >= (ends - durations.long())[..., None]) & (t < ends[..., None])).float()
