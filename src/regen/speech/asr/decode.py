"""CTC decoding: best path, and a prefix beam search that returns the n best unit sequences.

log_probs (frames, units) float, natural logs, blank = 0. The prefix beam search (Graves, 2012;
Hannun et al., 2014) keeps, per prefix, the probability of ending in blank and in its last unit,
so repeated units separated by a blank survive; units below `prune` log-probability in a frame
are skipped.
"""

from __future__ import annotations

import math

import numpy as np
import torch

NEG_INF = -math.inf


def best_path(log_probs: torch.Tensor) -> list[int]:
    """The arg-max unit per frame, repeats merged and blanks removed."""
    ids = log_probs.argmax(-1).tolist()
    return [u for k, u in enumerate(ids) if u != 0 and (k == 0 or u != ids[k - 1])]


def _add(a: float, b: float) -> float:
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


def prefix_beam_search(log_probs: torch.Tensor, beam: int = 8, prune: float = -8.0) -> list[tuple[tuple[int, ...], float]]:
    """Up to `beam` (unit ids, log-probability) pairs, most probable first."""
    lp = np.asarray(log_probs.detach().float().cpu())
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, NEG_INF)}  # prefix -> (ends blank, ends unit)
    for frame in lp:
        candidates = np.flatnonzero(frame >= min(prune, frame.max()))
        grown: dict[tuple[int, ...], list[float]] = {}

        def bump(prefix: tuple[int, ...], blank: float, unit: float) -> None:
            entry = grown.setdefault(prefix, [NEG_INF, NEG_INF])
            entry[0], entry[1] = _add(entry[0], blank), _add(entry[1], unit)

        for prefix, (p_blank, p_unit) in beams.items():
            total = _add(p_blank, p_unit)
            last = prefix[-1] if prefix else None
            for u in candidates:
                p = float(frame[u])
                if u == 0:
                    bump(prefix, total + p, NEG_INF)
                elif u == last:
                    bump(prefix, NEG_INF, p_unit + p)  # the same unit continues
                    bump(prefix + (int(u),), NEG_INF, p_blank + p)  # a repeat after a blank
                else:
                    bump(prefix + (int(u),), NEG_INF, total + p)
        alive = [(k, v) for k, v in grown.items() if _add(*v) > NEG_INF]  # a repeat after no blank is impossible
        ranked = sorted(alive, key=lambda kv: -_add(*kv[1]))[:beam]
        beams = {k: (v[0], v[1]) for k, v in ranked}
    return [(prefix, _add(*scores)) for prefix, scores in sorted(beams.items(), key=lambda kv: -_add(*kv[1]))]
