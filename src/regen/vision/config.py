"""Config sections of the digits task (configs/image/*.yaml): model, data and sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from regen.core.regenerator import RegeneratorOptions
from regen.core.token_stage import NetConfig


@dataclass
class DataConfig:
    """label_fraction: share of training labels the converter / Direct may see. split_seed: the
    train/valid/test split (the shipped classifier is trained on split 0's training images, so the
    scores mean the same only on split 0). label_seed: which training images carry the labels (None:
    the split seed), so repeated runs on one split draw different labelled subsets."""

    label_fraction: float = 1.0
    split_seed: int = 0
    label_seed: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.label_fraction <= 1:
            raise ValueError(f"label_fraction must lie in (0, 1], got {self.label_fraction}")

    @property
    def labels_drawn_with(self) -> int:
        """The seed of the labelled subset."""
        return self.split_seed if self.label_seed is None else self.label_seed


@dataclass
class AbstractionConfig:
    """kind: pool (explicit `factor` x `factor` average pooling, `levels` grey levels) or
    vqvae (learned, `codebook` codes of `dim` dimensions, `hidden` channels)."""

    kind: Literal["pool", "vqvae"] = "pool"
    factor: int = 2
    levels: int = 9
    codebook: int = 16
    dim: int = 16
    hidden: int = 32
    beta: float = 0.25

    def __post_init__(self) -> None:
        if self.factor not in (1, 2, 4, 8):
            raise ValueError(f"factor must divide the 8-pixel side (1, 2, 4 or 8), got {self.factor}")
        if not 2 <= self.levels <= 17:
            raise ValueError(f"levels must lie in [2, 17] (the digits have 17 grey levels), got {self.levels}")


@dataclass
class ModelConfig:
    """method: regen (class -> Y' -> image, through `abstraction`) or direct (class -> image)."""

    method: Literal["regen", "direct"] = "regen"
    abstraction: AbstractionConfig = field(default_factory=AbstractionConfig)
    options: RegeneratorOptions = field(default_factory=RegeneratorOptions)
    converter: NetConfig = field(default_factory=NetConfig)
    renderer: NetConfig = field(default_factory=NetConfig)
    direct: NetConfig = field(default_factory=lambda: NetConfig(layers=5))


@dataclass
class SampleConfig:
    """samples_per_class: samples drawn per digit class when scoring (>= 2: diversity compares pairs)."""

    samples_per_class: int = 50
    temperature: float = 1.0
    seed: int = 1234

    def __post_init__(self) -> None:
        if self.samples_per_class < 2:
            raise ValueError(f"samples_per_class must be >= 2, got {self.samples_per_class}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
