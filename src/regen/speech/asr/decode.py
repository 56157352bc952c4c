"""CTC decoding: best path, and a prefix beam search that returns the n best unit sequences.

log_probs (frames, units) float, natural logs, blank = 0. The prefix beam search (Graves, 2012;
Hannun et al., 2014) keeps, per prefix, the probability of ending in blank and in its last unit,
so repeated units separated by a blank survive; units below `prune` log-probability in a frame
are skipped. `word_prefix_beam_search` adds a word language model to a character search (the Direct
route with the same language model as regeneration's P2G).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import torch

NEG_INF = -math.inf
START, END = "<s>", "</s>"


def lm_history(words: Sequence[str]) -> tuple[str, ...]:
    """What a word model reads before the next word: the two words before it, the sentence start included."""
    return tuple([START, *words[-2:]][-2:])


class WordModel(Protocol):
    """A word language model: natural log P(word | the words before)."""

    def logprob(self, history: Sequence[str], word: str) -> float: ...


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


def grow(beams: dict[tuple[int, ...], tuple[float, float]], frame: np.ndarray,
         prune: float) -> dict[tuple[int, ...], tuple[float, float]]:
    """One frame of the CTC prefix search: every prefix of `beams` ((ends blank, ends unit) log-probabilities)
    extended by the units of `frame` (units,) above `prune`; the prefixes that remain possible."""
    candidates = np.flatnonzero(frame >= min(prune, frame.max()))
    grown: dict[tuple[int, ...], list[float]] = {}

    def bump(prefix: tuple[int, ...], blank: float, unit: float) -> None:
        entry = grown.setdefault(prefix, [NEG_INF, NEG_INF])
        entry[0], entry[1] = _add(entry[0], blank), _add(entry[1], unit)

    for prefix, (p_blank, p_unit) in beams.items():
        total = _add(p_blank, p_unit)
        last = prefix[-1] if prefix else None
        for u in candidates:
            p, u = float(frame[u]), int(u)
            if u == 0:
                bump(prefix, total + p, NEG_INF)
            elif u == last:
                bump(prefix, NEG_INF, p_unit + p)  # the same unit continues
                bump(prefix + (u,), NEG_INF, p_blank + p)  # a repeat after a blank
            else:
                bump(prefix + (u,), NEG_INF, total + p)
    return {k: (v[0], v[1]) for k, v in grown.items() if _add(*v) > NEG_INF}  # a repeat after no blank is impossible


def prefix_beam_search(log_probs: torch.Tensor, beam: int = 8, prune: float = -8.0) -> list[tuple[tuple[int, ...], float]]:
    """Up to `beam` (unit ids, log-probability) pairs, most probable first."""
    lp = np.asarray(log_probs.detach().float().cpu())
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, NEG_INF)}  # prefix -> (ends blank, ends unit)
    for frame in lp:
        beams = dict(sorted(grow(beams, frame, prune).items(), key=lambda kv: -_add(*kv[1]))[:beam])
    return [(prefix, _add(*scores)) for prefix, scores in sorted(beams.items(), key=lambda kv: -_add(*kv[1]))]


def word_prefix_beam_search(log_probs: torch.Tensor, symbols: Sequence[str], lm: WordModel, lm_weight: float,
                            word_bonus: float = 0.0, beam: int = 8, prune: float = -8.0,
                            separator: str = " ") -> tuple[tuple[int, ...], list[str]]:
    """Character CTC prefix beam search with a word language model, lexicon-free (shallow fusion, Hannun
    et al., 2014): a word completed by `separator` or by the end of the utterance adds `lm_weight *
    log P_LM(word | the words before) + word_bonus` to its prefix's score, so any spelling can come out
    and the language model decides among them. `symbols`: the name of each unit id (blank = 0).
    Returns the best prefix's unit ids and its words."""
    lp = np.asarray(log_probs.detach().float().cpu())
    space = symbols.index(separator)
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, NEG_INF)}
    fused: dict[tuple[int, ...], tuple[float, tuple[str, ...], str]] = {(): (0.0, (), "")}  # lm score, words, partial

    def extend(prefix: tuple[int, ...], unit: int) -> None:
        if prefix + (unit,) in fused:
            return
        score, words, partial = fused[prefix]
        if unit == space:
            if partial:
                score += lm_weight * lm.logprob(lm_history(words), partial) + word_bonus
                words, partial = words + (partial,), ""
        else:
            partial += symbols[unit]
        fused[prefix + (unit,)] = (score, words, partial)

    for frame in lp:
        grown = grow(beams, frame, prune)
        for prefix in grown:
            if prefix and prefix not in fused:
                extend(prefix[:-1], prefix[-1])
        beams = dict(sorted(grown.items(), key=lambda kv: -(_add(*kv[1]) + fused[kv[0]][0]))[:beam])
        fused = {k: fused[k] for k in beams}  # what falls out of the beam never comes back

    def final(prefix: tuple[int, ...]) -> tuple[float, tuple[str, ...]]:
        score, words, partial = fused[prefix]
        if partial:
            score += lm_weight * lm.logprob(lm_history(words), partial) + word_bonus
            words = words + (partial,)
        return _add(*beams[prefix]) + score + lm_weight * lm.logprob(lm_history(words), END), words

    best = max(beams, key=lambda prefix: final(prefix)[0])
    return best, list(final(best)[1])
