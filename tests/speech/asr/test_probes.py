"""Retrieval probes on synthetic cases whose answer is known."""

from __future__ import annotations

import pytest
import torch

from regen.speech.asr.probes import asif_retrieval, cosine_retrieval, mean_pool, relative


def test_mean_pool_ignores_padding() -> None:
    frames = torch.tensor([[[1.0], [3.0], [100.0]], [[2.0], [0.0], [0.0]]])
    assert mean_pool(frames, torch.tensor([2, 1]))[:, 0].tolist() == [2.0, 2.0]


def test_cosine_retrieval_finds_noisy_copies_and_not_random_pairs() -> None:
    g = torch.Generator().manual_seed(0)
    text = torch.randn(300, 16, generator=g)
    assert cosine_retrieval(text + 0.05 * torch.randn(300, 16, generator=g), text, candidates=100) == 1.0
    assert cosine_retrieval(torch.randn(300, 16, generator=g), text, candidates=100) < 0.1


def test_asif_matches_encoders_that_share_no_space() -> None:
    # speech lives in a rotated, higher-dimensional copy of the text space: plain cosine cannot match
    # the two, but similarities to matched anchors are the same in both, so ASIF retrieves correctly
    g = torch.Generator().manual_seed(0)
    text = torch.randn(400, 8, generator=g)
    rotation = torch.linalg.qr(torch.randn(12, 12, generator=g))[0][:, :8]
    speech = text @ rotation.T + 0.01 * torch.randn(400, 12, generator=g)
    asif = asif_retrieval(speech, text, anchors=300, queries=50, trials=5, top_k=30, power=4)
    with pytest.raises(RuntimeError):  # the two spaces do not even have the same size
        asif_retrieval(speech, text, anchors=300, queries=50, trials=5, relative_space=False)
    assert asif > 0.9
    shuffled = text[torch.randperm(400, generator=g)]
    assert asif_retrieval(speech, shuffled, anchors=300, queries=50, trials=5, top_k=30, power=4) < 0.2


def test_relative_keeps_top_k_and_is_normalised() -> None:
    g = torch.Generator().manual_seed(1)
    rel = relative(torch.randn(5, 4, generator=g), torch.randn(20, 4, generator=g), top_k=3, power=2)
    assert rel.shape == (5, 20) and bool(((rel > 0).sum(-1) <= 3).all())
    assert torch.allclose(rel.norm(dim=-1), torch.ones(5))


def test_asif_queries_can_take_their_anchors_from_another_pool() -> None:
    # anchors from 300 "training" pairs, queries from 60 "held-out" pairs of the same two spaces
    g = torch.Generator().manual_seed(2)
    rotation = torch.linalg.qr(torch.randn(12, 12, generator=g))[0][:, :8]
    text = torch.randn(360, 8, generator=g)
    speech = text @ rotation.T + 0.01 * torch.randn(360, 12, generator=g)
    pool = (speech[:300], text[:300])
    held = asif_retrieval(speech[300:], text[300:], anchors=250, queries=50, trials=5, top_k=30, power=4,
                          anchor_pool=pool)
    assert held > 0.9
    unrelated = (speech[:300], text[torch.randperm(300, generator=g)])  # anchors that do not match
    assert asif_retrieval(speech[300:], text[300:], anchors=250, queries=50, trials=5, top_k=30, power=4,
                          anchor_pool=unrelated) < 0.3
    with pytest.raises(ValueError, match="anchor pairs"):
        asif_retrieval(speech[300:], text[300:], anchors=400, queries=50, anchor_pool=pool)
