"""The alignment encoder: its prior is SciPy's beta-binomial, its scores are Gaussian log-likelihoods, and
a few hundred steps of its path loss make MAS recover planted alignments."""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.stats import betabinom, norm

from regen.speech.align.aligner import (MASKED, AlignmentEncoder, beta_binomial_log_prior, gaussian_log_likelihood,
                                        path_nll)
from regen.speech.align.mas import durations_to_path, monotonic_alignment_search, path_durations


def test_the_prior_is_the_beta_binomial_pmf_and_masks_padding() -> None:
    prior = beta_binomial_log_prior(torch.tensor([4, 3]), torch.tensor([10, 6]), symbols=4, frames=10, scale=1.0)
    for t in range(1, 11):
        expected = betabinom(4, t, 10 + 1 - t).logpmf(np.arange(4))
        assert np.allclose(prior[0, :, t - 1].numpy(), expected, atol=1e-4)
    assert torch.all(prior[1, 3] == MASKED) and torch.all(prior[1, :, 6:] == MASKED)
    assert prior[0, :, 0].argmax() == 0 and prior[0, :, -1].argmax() == 3  # mass moves along the diagonal


def test_scores_are_gaussian_log_likelihoods_and_the_loss_follows_the_path() -> None:
    mel, means = torch.randn(1, 5, 3), torch.randn(1, 2, 3)
    scores = gaussian_log_likelihood(mel, means)
    expected = norm.logpdf(mel[0, 4].numpy(), means[0, 1].numpy()).sum()
    assert scores.shape == (1, 2, 5) and math.isclose(float(scores[0, 1, 4]), expected, rel_tol=1e-5)
    path = durations_to_path(torch.tensor([[2, 3]]))
    nll = path_nll(mel, means, path, torch.ones(1, 5, dtype=torch.bool))
    assert math.isclose(float(nll), -float((scores * path).sum()) / 15, rel_tol=1e-5)


def planted(seed: int, rows: int = 16, vocab: int = 10, n_mels: int = 20) -> tuple[torch.Tensor, ...]:
    """Random phone strings as `cond` (rows, 8, 3) of `vocab` phone ids (0 pads, no phone twice in a row),
    random durations 2-8, and mel frames (rows, frames, n_mels): each phone's own vector over its frames,
    plus noise."""
    generator = torch.Generator().manual_seed(seed)
    table = torch.randn(vocab, n_mels, generator=generator)
    lengths = torch.randint(3, 9, (rows,), generator=generator)
    ids = torch.zeros(rows, 8, dtype=torch.long)
    for row in range(rows):
        for i in range(int(lengths[row])):
            options = [v for v in range(1, vocab) if i == 0 or v != ids[row, i - 1]]
            ids[row, i] = options[int(torch.randint(len(options), (1,), generator=generator))]
    durations = torch.randint(2, 9, ids.shape, generator=generator) * (ids > 0)
    frames = durations.sum(1)
    mel = torch.stack([durations_to_path(durations[r: r + 1], int(frames.max()))[0].T @ table[ids[r]]
                       for r in range(rows)])
    cond = torch.stack([torch.zeros_like(ids), ids, (ids > 0).long()], dim=-1)
    return cond, durations, lengths, frames, mel + 0.1 * torch.randn(mel.shape, generator=generator)


def test_training_the_encoder_recovers_planted_alignments() -> None:
    torch.manual_seed(0)
    cond, durations, lengths, frames, mel = planted(0)
    encoder = AlignmentEncoder(n_mels=20, channels=32)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-2)
    prior = beta_binomial_log_prior(lengths, frames, cond.shape[1], mel.shape[1])
    frame_mask = torch.arange(mel.shape[1])[None] < frames[:, None]

    def align() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        means, mask = encoder(cond)
        path = monotonic_alignment_search(gaussian_log_likelihood(mel, means) + prior, lengths, frames)
        return means, mask, path

    def boundaries_within_a_frame() -> float:
        _, mask, path = align()
        return float(((path_durations(path).cumsum(-1) - durations.cumsum(-1)).abs()[mask] <= 1).float().mean())

    before = boundaries_within_a_frame()  # what the diagonal prior and random means give
    for _ in range(150):
        means, _, path = align()
        loss = path_nll(mel, means, path, frame_mask)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert before < 0.6 and boundaries_within_a_frame() > 0.95
