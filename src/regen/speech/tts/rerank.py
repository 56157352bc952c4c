"""Attention-based reranking of candidate syntheses (thesis ch. 6.2.6).

A TTS alignment A (frames, tokens) of attention weights is "well formed" when its
path moves forward through the text without going back, visits every token,
reaches the last one and never sits on one token for much longer than the others.
The thesis throws away candidates that fail to reach the end of the text, then
multiplies four numbers and keeps the lowest product: nearness to the median
length (over the surviving candidates), the gap between the max and the median of
the attention trace, the gap between its max and min, and the reciprocal of its min.
Here the attention trace is the per-frame peak weight max_u A[t, u].

Score of one candidate (lower is better; `math.inf` = rejected):

    rejected     the peak path argmax_u A[t, u] never reaches the last token
    thesis       (1 + |len - median len| / median len) * (1 + max - median)
                 * (1 + max - min) / max(min, 0.01)   (trace statistics; the 1 + keeps
                 one perfect factor from zeroing the product)
    structure    backtrack + skipped + stall, each in [0, ~1]:
                 backtrack  total backward motion of the attention centroid
                            sum_u u A[t, u] / sum_u A[t, u], in tokens / text length,
                            over frames holding at least half their mass on the text
                 skipped    fraction of tokens whose attention mass sum_t A[t, u] is
                            under `min_mass` times the mean frames per token
                 stall      how far the longest run of frames on one peak token
                            exceeds `stall_factor` x mean frames per token, over frames
    score        thesis * (1 + structure_weight * structure)

The thesis's "broke apart" test (contiguity of a 95th-percentile mask) is replaced
by the explicit backtrack and skip terms, which catch the same failures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import torch


@dataclass(frozen=True)
class AlignmentReport:
    """Diagnostics of one alignment; `score` is filled in by `rerank`."""

    frames: int
    reached_end: bool
    backtrack: float
    skipped: float
    stall: float
    trace_max: float
    trace_median: float
    trace_min: float
    score: float = math.inf

    @property
    def structure(self) -> float:
        """Sum of the three shape penalties (0 for a clean diagonal)."""
        return self.backtrack + self.skipped + self.stall


def reached_end(weights: torch.Tensor, last: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Whether each row's attention has arrived at the end of its text: (batch,) bool.

    weights (batch, inputs), last (batch,) index of each row's last token. Arrived means
    the last token holds more than `threshold` of the weight, or the peak is on the last
    token while less than 1 - threshold of the mass is left on the text (a mixture whose
    components have moved past the end, as CDF-difference attention does).
    """
    rows = torch.arange(weights.shape[0], device=weights.device)
    on_last = weights[rows, last] > threshold
    leaving = (weights.argmax(-1) == last) & (weights.sum(-1) < 1 - threshold)
    return on_last | leaving


def inspect_alignment(alignment: torch.Tensor, frames: int, tokens: int, min_mass: float = 0.25,
                      stall_factor: float = 3.0) -> AlignmentReport:
    """Shape diagnostics of alignment (frames_max, inputs_max) cropped to (frames, tokens)."""
    a = alignment[: max(frames, 1), : max(tokens, 1)].float().clamp_min(0)
    t, n = a.shape
    peak = a.argmax(-1)
    trace = a.max(-1).values
    positions = torch.arange(n, dtype=a.dtype)
    centroid = (a * positions).sum(-1) / a.sum(-1).clamp_min(1e-8)
    on_text = a.sum(-1) >= 0.5  # a centroid of what mass is left after it moved past the end means nothing
    steps = (centroid[:-1] - centroid[1:]).clamp_min(0) * (on_text[:-1] & on_text[1:])
    backtrack = float(steps.sum()) / n
    per_token = t / n
    skipped = float((a.sum(0) < min_mass * per_token).float().mean())
    longest = int(torch.unique_consecutive(peak, return_counts=True)[1].max())  # longest run on one peak token
    stall = max(0.0, longest - stall_factor * per_token) / t
    return AlignmentReport(frames=t, reached_end=bool(peak.max() == n - 1), backtrack=backtrack, skipped=skipped,
                           stall=stall, trace_max=float(trace.max()), trace_median=float(trace.median()),
                           trace_min=float(trace.min()))


def rerank(alignments: Sequence[torch.Tensor] | torch.Tensor, frames: Sequence[int] | torch.Tensor, tokens: int,
           structure_weight: float = 10.0, min_mass: float = 0.25,
           stall_factor: float = 3.0) -> tuple[list[AlignmentReport], int]:
    """Score K candidate alignments of one text; returns their reports and the best index.

    alignments: K tensors (frames_k, inputs) or one (K, frames_max, inputs);
    frames: valid frames per candidate (K,); tokens: the text length. When every
    candidate is rejected the best index is the one with the least structure penalty.
    """
    frame_list = [int(f) for f in frames]
    reports = [inspect_alignment(a, f, tokens, min_mass, stall_factor) for a, f in zip(alignments, frame_list)]
    if not reports:
        raise ValueError("rerank needs at least one candidate")
    alive = [r.frames for r in reports if r.reached_end]
    median = float(torch.tensor(alive, dtype=torch.float32).median()) if alive else 1.0
    scored = []
    for r in reports:
        score = math.inf
        if r.reached_end:
            thesis = ((1 + abs(r.frames - median) / median) * (1 + r.trace_max - r.trace_median)
                      * (1 + r.trace_max - r.trace_min) / max(r.trace_min, 0.01))
            score = thesis * (1 + structure_weight * r.structure)
        scored.append(replace(r, score=score))
    best = min(range(len(scored)), key=lambda k: (scored[k].score, scored[k].structure))
    return scored, best
