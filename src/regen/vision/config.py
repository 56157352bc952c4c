"""Typed configuration of the digits task (configs/image/*.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from regen.core.regenerator import RegeneratorOptions
from regen.train.config import PhaseConfig, TrainerConfig


@dataclass
class DataConfig:
    """label_fraction: share of training labels the converter / Direct may see."""

    label_fraction: float = 1.0
    split_seed: int = 0


@dataclass
class AbstractionConfig:
    """kind: pool (explicit 2x2 average pooling, `levels` grey levels) or
    vqvae (learned, `codebook` codes of `dim` dimensions, `hidden` channels)."""

    kind: Literal["pool", "vqvae"] = "pool"
    levels: int = 9
    codebook: int = 16
    dim: int = 16
    hidden: int = 32
    beta: float = 0.25


@dataclass
class NetConfig:
    """Size of a prefix autoregressive transformer."""

    d_model: int = 64
    layers: int = 2
    heads: int = 4
    dropout: float = 0.1


@dataclass
class PhasesConfig:
    """Optimisation per training phase."""

    abstraction: PhaseConfig = field(default_factory=PhaseConfig)
    renderer: PhaseConfig = field(default_factory=PhaseConfig)
    converter: PhaseConfig = field(default_factory=PhaseConfig)
    finetune: PhaseConfig = field(default_factory=lambda: PhaseConfig(max_steps=200, lr=3e-4))
    direct: PhaseConfig = field(default_factory=PhaseConfig)


@dataclass
class EvalConfig:
    """samples_per_class: samples drawn per digit class when scoring."""

    samples_per_class: int = 50
    temperature: float = 1.0
    seed: int = 1234


@dataclass
class ImageConfig:
    """method: regen (class -> Y' -> image) or direct (class -> image)."""

    name: str
    task: Literal["image"] = "image"
    method: Literal["regen", "direct"] = "regen"
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    abstraction: AbstractionConfig = field(default_factory=AbstractionConfig)
    options: RegeneratorOptions = field(default_factory=RegeneratorOptions)
    converter: NetConfig = field(default_factory=NetConfig)
    renderer: NetConfig = field(default_factory=NetConfig)
    direct: NetConfig = field(default_factory=lambda: NetConfig(layers=5))
    train: PhasesConfig = field(default_factory=PhasesConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
