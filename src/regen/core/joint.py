"""Equation (1) of the regeneration-learning paper: learning Y' with X in view.

L = -log P(Y|Y') + ||X' - f_Y'(Y')||^2 + ||Y' - f_X'(X')||^2 - log P(Y|f_X'(X'))
with Y' = f_Y(Y) the abstraction's continuous latent and X' = f_X(X).
"""

from __future__ import annotations

import math
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from regen.core.space import Space


class LatentAbstraction(Protocol):
    """A learned abstraction that exposes its continuous latent (before quantisation)."""

    def latent(self, y: torch.Tensor) -> torch.Tensor:
        """Y (batch, ...) -> continuous latent (batch, *latent_shape)."""

    def nll_from_latent(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """-log P(Y | quantise(z)), averaged over the batch (scalar)."""


class JointHead(nn.Module):
    """f_X, f_X' and f_Y' of equation (1), for a discrete or continuous X.

    x: (batch,) ints for a discrete space, (batch, d) floats otherwise;
    latent: (batch, *latent_shape).
    """

    def __init__(self, x_space: Space, latent_shape: tuple[int, ...], dim: int = 64) -> None:
        super().__init__()
        self.latent_shape = tuple(latent_shape)
        flat = math.prod(latent_shape)
        if x_space.kind == "discrete":
            self.f_x: nn.Module = nn.Embedding(x_space.vocab, dim)
        else:
            self.f_x = nn.Linear(math.prod(x_space.shape), dim)
        self.f_x_to_y = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, flat))
        self.f_y_to_x = nn.Sequential(nn.Linear(flat, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x: torch.Tensor, latent: torch.Tensor, abstraction: LatentAbstraction,
                y: torch.Tensor) -> dict[str, torch.Tensor]:
        """The three X-aware terms of equation (1) for a labelled batch."""
        x_feat = self.f_x(x if x.dtype == torch.long else x.flatten(1))
        predicted = self.f_x_to_y(x_feat).view(-1, *self.latent_shape)
        return {
            "x_from_y": F.mse_loss(self.f_y_to_x(latent.flatten(1)), x_feat),
            "y_from_x": F.mse_loss(predicted, latent),
            "nll_from_x": abstraction.nll_from_latent(predicted, y),
        }
