"""`Objective`: what one training phase minimises, and which weights it moves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol

import torch
from torch import nn

LossFn = Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]]


class CarriesState(Protocol):
    """A model that keeps recurrent state between truncated-BPTT steps (saved with training checkpoints)."""

    def carry_state(self) -> dict[str, Any]: ...

    def load_carry_state(self, state: dict[str, Any]) -> None: ...


@dataclass
class Truncation:
    """Truncated backpropagation through time, one optimizer step per chunk.

    Each batch is trained for ceil(longest / chunk) consecutive steps (`regen.train.data.
    ChunkedStepBatches`; `lengths_key` names the batch's per-row sequence lengths, `chunk` the time
    steps per optimizer step); the loss reads `_group` and `_chunk` from the batch and `carrier`
    carries the recurrent state from one chunk to the next.
    """

    lengths_key: str
    chunk: int
    carrier: CarriesState


class Objective(nn.Module):
    """A loss over raw batches plus the modules it trains.

    `modules` holds every module the loss touches (so they move to the right
    device and land in checkpoints); only `trainable` ones get gradients. With a
    `truncation`, training steps once per chunk of each batch (truncated BPTT).
    """

    def __init__(self, name: str, loss_fn: LossFn, modules: dict[str, nn.Module], trainable: Iterable[str],
                 truncation: Truncation | None = None) -> None:
        super().__init__()
        self.truncation = truncation
        self.name = name
        self.parts = nn.ModuleDict(modules)
        self.trainable = list(trainable)
        unknown = set(self.trainable) - set(modules)
        if unknown:
            raise ValueError(f"objective '{name}' trains unknown parts {sorted(unknown)}")
        self._loss_fn = loss_fn

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Losses of a raw batch; key `loss` is minimised."""
        return self._loss_fn(batch)

    def trainable_parameters(self) -> list[nn.Parameter]:
        """Parameters of the trained parts (the others stay frozen)."""
        return [p for name in self.trainable for p in self.parts[name].parameters()]

    def train(self, mode: bool = True) -> "Objective":
        """Frozen parts stay in eval mode (no dropout, fixed batch-norm)."""
        super().train(mode)
        for name, module in self.parts.items():
            if name not in self.trainable:
                module.eval()
        return self
