"""`Stage`: one conditional generative model P(out | cond)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch
from torch import nn

from regen.core.space import Space


class Stage(nn.Module, ABC):
    """A trainable conditional model from `input_space` to `output_space`.

    A converter is a Stage X -> Y', a renderer is a Stage Y' -> Y, and the
    direct baseline is a Stage X -> Y. Training batches are dicts with
    `cond` (batch, *input_space.shape) and `target` (batch, *output_space.shape).
    """

    @property
    @abstractmethod
    def input_space(self) -> Space:
        """The space of the conditioning input."""

    @property
    @abstractmethod
    def output_space(self) -> Space:
        """The space of what the stage generates."""

    @abstractmethod
    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Losses for a batch; the key `loss` is the one minimised."""

    @abstractmethod
    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """Draw `n` outputs per condition: (batch * n, *output_space.shape)."""
