"""Gaussian-mixture location attention (Graves, 2013) with softplus steps.

Used by Representation Mixing TTS (thesis ch. 4.2.4). At decoder step i a query
h_i (batch, query_dim) gives, for each of K components,

    kappa_i = kappa_{i-1} + softplus(kappa_hat)   mean position (never moves back)
    sigma_i = softplus(sigma_hat) + min_width     width in input positions
    alpha_i = softmax(alpha_hat) over K           mixture weight

The softplus step (instead of Graves' exponential) is the chapter's stability fix.
Weights over input positions u = 0..N-1 are the mixture density evaluated at u,
normalised over the valid positions in log space, so every step sums to one and
nothing underflows when the means run past the text:

    w_i(u) = softmax_u( logsumexp_k [log alpha_k - log sigma_k - (u - kappa_k)^2 / (2 sigma_k^2)] )

Shapes: memory (batch, inputs, mem_dim); mask (batch, inputs) bool, True on real
tokens; state kappa (batch, K); weights (batch, inputs); context (batch, mem_dim).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class GMMAttention(nn.Module):
    """Monotone Gaussian-mixture attention; see the module docstring.

    `init_step` sets the initial bias of the step so that the means first advance by
    about that many input positions per decoder step.
    """

    def __init__(self, query_dim: int, mixtures: int = 10, min_width: float = 0.1, init_step: float = 0.3) -> None:
        super().__init__()
        if mixtures < 1:
            raise ValueError(f"mixtures must be >= 1, got {mixtures}")
        self.mixtures = mixtures
        self.min_width = min_width
        self.proj = nn.Linear(query_dim, 3 * mixtures)
        with torch.no_grad():
            self.proj.weight.mul_(0.1)
            self.proj.bias.zero_()
            step_bias = math.log(math.expm1(init_step))  # softplus^-1(init_step)
            self.proj.bias[2 * mixtures:].fill_(step_bias)
            self.proj.bias[mixtures: 2 * mixtures].fill_(math.log(math.expm1(1.0)))  # width 1 + min_width

    def init_state(self, batch: int, device: torch.device | None = None) -> torch.Tensor:
        """Initial means: (batch, K) zeros, i.e. all components on the first token."""
        return torch.zeros(batch, self.mixtures, device=device)

    def forward(self, query: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor,
                kappa_prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One step: query (batch, query_dim) -> (context (batch, mem_dim), weights (batch, inputs), kappa (batch, K)).

        The weights are computed in float32 (also under autocast) and cast to the
        memory's dtype for the context.
        """
        device_type = query.device.type
        with torch.autocast(device_type=device_type, enabled=False):
            alpha_hat, sigma_hat, step_hat = self.proj(query.float()).chunk(3, dim=-1)
            kappa = kappa_prev.float() + F.softplus(step_hat)
            sigma = F.softplus(sigma_hat) + self.min_width
            log_alpha = torch.log_softmax(alpha_hat, dim=-1)
            positions = torch.arange(memory.shape[1], device=query.device, dtype=torch.float32)
            diff = positions[None, :, None] - kappa[:, None, :]  # (batch, inputs, K)
            log_density = log_alpha[:, None] - torch.log(sigma)[:, None] - 0.5 * (diff / sigma[:, None]) ** 2
            scores = torch.logsumexp(log_density, dim=-1).masked_fill(~mask, float("-inf"))
            weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights.to(memory.dtype).unsqueeze(1), memory).squeeze(1)
        return context, weights, kappa


def expected_position(weights: torch.Tensor) -> torch.Tensor:
    """Mean attended input position: (batch, inputs) weights -> (batch,)."""
    positions = torch.arange(weights.shape[-1], device=weights.device, dtype=weights.dtype)
    return (weights * positions).sum(-1)
