"""`Abstraction`: the map Y -> Y' (and, when it has one, back)."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn

from regen.core.space import Space


class Abstraction(nn.Module, ABC):
    """Turns a target Y into its abstraction Y'.

    Explicit abstractions (log-mel, pooling, G2P) have no parameters to learn.
    Learned abstractions (VQ-VAE, ...) set `learned = True` and implement `loss`,
    so the trainer can fit them on unpaired Y before the stages are trained.
    """

    learned: bool = False

    @property
    @abstractmethod
    def space(self) -> Space:
        """The space of Y'."""

    @property
    @abstractmethod
    def target_space(self) -> Space:
        """The space of Y that `encode` accepts."""

    @abstractmethod
    def encode(self, y: torch.Tensor) -> torch.Tensor:
        """Y (batch, *target_space.shape) -> Y' (batch, *space.shape)."""

    def decode(self, y_abs: torch.Tensor) -> torch.Tensor:
        """Y' -> an approximation of Y; only some abstractions have one."""
        raise NotImplementedError(f"{type(self).__name__} has no decoder; use a renderer stage")

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Training loss of a learned abstraction; `batch['y']` holds targets."""
        raise NotImplementedError(f"{type(self).__name__} is explicit and has nothing to train")
