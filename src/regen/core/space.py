"""The space a representation lives in: what a stage consumes or produces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Space:
    """Describes one representation (X, Y' or Y).

    `kind` is "discrete" (integer tokens in [0, vocab)) or "continuous" (floats);
    `shape` is the per-example shape without the batch dimension, e.g. (4, 4) for a
    4x4 grid of codes or (80,) for mel frames of unknown length (time omitted).
    """

    name: str
    kind: Literal["discrete", "continuous"]
    shape: tuple[int, ...]
    vocab: int = 0

    def __post_init__(self) -> None:
        if self.kind == "discrete" and self.vocab < 1:
            raise ValueError(f"discrete space '{self.name}' needs a vocabulary size >= 1")

    def describe(self) -> str:
        """One-line human description, e.g. 'pool-4x4: discrete (4, 4) vocab 9'."""
        vocab = f" vocab {self.vocab}" if self.kind == "discrete" else ""
        return f"{self.name}: {self.kind} {self.shape}{vocab}"

    def matches(self, other: "Space") -> bool:
        """Whether data of `other` can be consumed where `self` is expected."""
        return (self.name, self.kind, self.shape, self.vocab) == (other.name, other.kind, other.shape, other.vocab)
