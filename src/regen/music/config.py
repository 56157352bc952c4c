"""The music config: data, model (objective + network), training and sampling, as one YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from regen.core.config import apply_overrides, parse, read_yaml
from regen.iterative.sampler import SamplerConfig
from regen.music.conv_unet import ConvUNetConfig
from regen.music.transformer_net import TransformerConfig
from regen.train.config import PhaseConfig, TrainerConfig


@dataclass
class DataConfig:
    """Training windows: 128 steps, cut every `hop` steps, with the 12 transpositions if `transpose`.

    `max_windows` (> 0) keeps only the first windows of each split (tests, smoke runs).
    """

    hop: int = 128
    transpose: bool = True
    max_windows: int = 0


@dataclass
class ModelConfig:
    """Which objective (SUNMASK or an ablation) trains which network."""

    objective: Literal["sunmask", "coconet", "sundae"] = "sunmask"
    network: Literal["conv", "transformer"] = "transformer"
    conv: ConvUNetConfig = field(default_factory=ConvUNetConfig)
    transformer: TransformerConfig = field(default_factory=TransformerConfig)


@dataclass
class MusicConfig:
    """Everything a chorale model run needs; `task` must stay `music`."""

    task: Literal["music"] = "music"
    name: str = "sunmask-transformer-tiny"
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    phase: PhaseConfig = field(default_factory=PhaseConfig)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)


def load_config(path: str | Path | None = None, overrides: list[str] | None = None,
                data: dict | None = None) -> MusicConfig:
    """Read a YAML file (or a mapping), apply `a.b=value` overrides, validate."""
    raw = read_yaml(path) if path is not None else dict(data or {})
    raw = apply_overrides(raw, overrides or [])
    return parse(MusicConfig, raw, str(path) if path else "music config")
