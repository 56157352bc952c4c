"""Retrieval probes of shared speech-text representations (thesis ch. 10, Tables 10.4-10.5).

Given N paired embeddings (speech_i, text_i), each speech embedding queries the text ones:

- **cosine retrieval**: the text of highest cosine similarity is retrieved; accuracy = share of
  queries whose own text comes first, over candidate sets of `candidates` pairs.
- **ASIF** (Norelli et al., 2023): each modality is described relative to its own anchors (pairs
  known to match): a query's cosine similarities to the anchors of its modality, all but the
  `top_k` largest set to zero, raised to the power `power`, normalised; speech and text are then
  compared through these relative vectors, which live in the same space (one dimension per anchor
  pair) even when the encoders do not. Trials draw `anchors` anchor pairs and `queries` disjoint
  query pairs at random; the thesis uses 900 anchors, 100 trials x 100 retrievals, top-k 90, power 8.

Embeddings: (N, D) float tensors, row i of both being the same utterance.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from regen.speech.asr.layers import length_mask


def mean_pool(frames: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean over each row's valid frames: (batch, T, D), (batch,) -> (batch, D)."""
    mask = length_mask(lengths, frames.shape[1], frames.device).to(frames.dtype)[..., None]
    return (frames * mask).sum(1) / mask.sum(1).clamp_min(1)


def retrieval_accuracy(queries: torch.Tensor, keys: torch.Tensor) -> float:
    """Share of rows i whose key i has the highest cosine similarity to query i."""
    sims = F.normalize(queries.float(), dim=-1) @ F.normalize(keys.float(), dim=-1).T
    return float((sims.argmax(-1) == torch.arange(len(queries), device=sims.device)).float().mean())


def cosine_retrieval(speech: torch.Tensor, text: torch.Tensor, candidates: int = 1000) -> float:
    """Mean retrieval accuracy over consecutive candidate sets of `candidates` pairs (the last set may be smaller)."""
    if len(speech) != len(text) or len(speech) < 2:
        raise ValueError(f"need at least 2 aligned pairs, got {len(speech)} speech and {len(text)} text rows")
    scores = [retrieval_accuracy(speech[k: k + candidates], text[k: k + candidates])
              for k in range(0, len(speech), candidates) if len(speech[k: k + candidates]) > 1]
    return sum(scores) / len(scores)


def relative(x: torch.Tensor, anchors: torch.Tensor, top_k: int, power: float) -> torch.Tensor:
    """ASIF relative representation (len(x), len(anchors)): sparsified, powered, normalised similarities."""
    sims = F.normalize(x.float(), dim=-1) @ F.normalize(anchors.float(), dim=-1).T
    k = min(top_k, sims.shape[1])
    top = sims.topk(k, dim=1)
    kept = torch.zeros_like(sims).scatter(1, top.indices, top.values)
    return F.normalize(kept.clamp_min(0) ** power, dim=-1)


def asif_retrieval(speech: torch.Tensor, text: torch.Tensor, anchors: int = 900, queries: int = 100,
                   trials: int = 100, top_k: int = 90, power: float = 8.0, seed: int = 0,
                   relative_space: bool = True,
                   anchor_pool: tuple[torch.Tensor, torch.Tensor] | None = None) -> float:
    """Mean retrieval accuracy over `trials` random draws of anchor and query pairs; `relative_space`
    False scores plain cosine retrieval on the same query sets (the comparison row). With `anchor_pool`
    (speech (M, D), text (M, D)) the anchors are drawn from it and the queries from (speech, text), e.g.
    training pairs as anchors for held-out queries."""
    n = len(speech)
    pool_speech, pool_text = anchor_pool if anchor_pool is not None else (speech, text)
    needed = queries if anchor_pool is not None else anchors + queries
    if len(text) != n or n < needed or len(pool_speech) != len(pool_text) or len(pool_speech) < anchors:
        raise ValueError(f"need {needed} aligned query pairs and {anchors} anchor pairs, got {n}/{len(text)} "
                         f"and {len(pool_speech)}/{len(pool_text)}")
    gen = torch.Generator().manual_seed(seed)
    scores = []
    for _ in range(trials):
        order = torch.randperm(n, generator=gen)
        if anchor_pool is None:
            a, q = order[:anchors], order[anchors: anchors + queries]
        else:
            a, q = torch.randperm(len(pool_speech), generator=gen)[:anchors], order[:queries]
        if relative_space:
            scores.append(retrieval_accuracy(relative(speech[q], pool_speech[a], top_k, power),
                                             relative(text[q], pool_text[a], top_k, power)))
        else:
            scores.append(retrieval_accuracy(speech[q], text[q]))
    return sum(scores) / len(scores)
