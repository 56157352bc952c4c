"""Word start and end times: the decoded units force-aligned to the CTC posteriors.

After decoding, the chosen unit sequence (phones with word boundaries, or characters with spaces) is
aligned to the acoustic model's log-probabilities (frames, units) by Viterbi over the CTC topology
(each unit optionally separated by blanks, a repeated unit by at least one blank; Graves et al.,
2006): the single most probable frame path that emits exactly that sequence. A unit's frames are
those the path spends on it. Phones are grouped into the decoder's phone words (split at '|'), and
phone words into written words by the P2G's spans (a word may spell two phone words, "birth day");
characters into words at spaces. A word starts at the first frame of its first unit and ends after
the last frame of its last unit, extended by at most `TAIL_FRAMES` frames and never past the next
word's first frame (CTC emits a unit near its onset and leaves the rest of its sound to blanks).

Frames are the encoder's: `SUBSAMPLING` mel frames each (23 ms at the ch4 hop).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

TAIL_FRAMES = 4


@dataclass(frozen=True)
class WordTime:
    """One word of a transcript and its time in seconds from the start of the audio given."""

    word: str
    start: float
    end: float


def ctc_align(log_probs: torch.Tensor | np.ndarray, targets: Sequence[int], blank: int = 0) -> list[tuple[int, int]]:
    """Per target unit, the (first, last) frame the most probable CTC path emitting `targets` spends on
    it. log_probs (frames, units) natural logs; ValueError when the frames are too few for the targets."""
    lp = np.asarray(torch.as_tensor(log_probs).detach().float().cpu())
    n_frames, n_targets = len(lp), len(targets)
    if n_targets == 0:
        return []
    states = np.full(2 * n_targets + 1, blank, dtype=np.int64)
    states[1::2] = targets
    repeats = sum(1 for a, b in zip(targets, targets[1:]) if a == b)
    if n_frames < n_targets + repeats:
        raise ValueError(f"{n_frames} frames cannot emit {n_targets} units")
    n_states = len(states)
    skip = np.zeros(n_states, dtype=bool)  # a state may be entered from two back: a unit after another unit
    skip[3::2] = states[3::2] != states[1:-2:2]
    score = np.full(n_states, -np.inf)
    score[:2] = lp[0, states[:2]]
    back = np.zeros((n_frames, n_states), dtype=np.int8)  # 0 stay, 1 from one back, 2 from two back
    for t in range(1, n_frames):
        one = np.concatenate([[-np.inf], score[:-1]])
        two = np.where(skip, np.concatenate([[-np.inf, -np.inf], score[:-2]]), -np.inf)
        options = np.stack([score, one, two])
        back[t] = options.argmax(0)
        score = options.max(0) + lp[t, states]
    state = n_states - 1 if score[-1] >= score[-2] else n_states - 2
    spans: list[list[int]] = [[-1, -1] for _ in range(n_targets)]
    for t in range(n_frames - 1, -1, -1):
        if state % 2:
            span = spans[state // 2]
            span[0] = t
            if span[1] < 0:
                span[1] = t
        state -= int(back[t, state])
    return [(a, b) for a, b in spans]


def _word_spans(unit_spans: list[tuple[int, int]], groups: list[list[int]], n_frames: int,
                next_starts: list[int]) -> list[tuple[int, int]]:
    """Frame spans [start, end) of words made of the unit indices in `groups`."""
    out = []
    for k, group in enumerate(groups):
        start = unit_spans[group[0]][0]
        last = unit_spans[group[-1]][1] + 1
        limit = next_starts[k] if k < len(next_starts) else n_frames
        out.append((start, max(last, min(last + TAIL_FRAMES, limit))))
    return out


def word_times(log_probs: torch.Tensor, ids: Sequence[int], symbols: Sequence[str], words: Sequence[str],
               spans: Sequence[int] | None, frame_seconds: float, separator: str) -> list[WordTime]:
    """Times of `words` in one utterance. `ids`/`symbols`: the decoded units (ids into the model's
    vocabulary and their names); `separator`: the unit between words ('|' for phones, ' ' for
    characters); `spans`: for phones, how many phone words each written word spells (the P2G's),
    None when every word is one group of units."""
    unit_spans = ctc_align(log_probs, ids)
    groups: list[list[int]] = [[]]
    for k, symbol in enumerate(symbols):
        if symbol == separator:
            if groups[-1]:
                groups.append([])
        else:
            groups[-1].append(k)
    groups = [g for g in groups if g]
    if spans is not None:
        merged, at = [], 0
        for count in spans:
            merged.append([k for g in groups[at: at + count] for k in g])
            at += count
        groups = merged
    if len(groups) != len(words) or not all(groups):
        return []
    starts = [unit_spans[g[0]][0] for g in groups[1:]]
    frames = _word_spans(unit_spans, groups, len(log_probs), starts)
    return [WordTime(w, round(a * frame_seconds, 3), round(b * frame_seconds, 3)) for w, (a, b) in zip(words, frames)]
