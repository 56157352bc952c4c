"""Config sections of the chorale task (configs/music/*.yaml): model, data and sampling.

The `sample` section is `ChoraleSampling` (the iterative sampler plus best-of-N); the
one training phase is `phases.denoiser`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from regen.iterative.sampler import SamplerConfig
from regen.music.conv_unet import ConvUNetConfig
from regen.music.transformer_net import TransformerConfig


@dataclass
class DataConfig:
    """Training windows: 128 steps, cut every `hop` steps, with the 12 transpositions if `transpose`.

    `max_windows` (> 0) keeps only the first windows of each split (tests, smoke runs);
    `eval_samples` unconditional samples are graded by `regen evaluate`; `augment`: an .npz of
    extra training windows written by `regen music augment` (the model's best-graded samples,
    augmented generative training), appended to the training windows as they are.
    """

    hop: int = 128
    transpose: bool = True
    max_windows: int = 0
    eval_samples: int = 4
    augment: str = ""

    def __post_init__(self) -> None:
        if self.hop < 1 or self.max_windows < 0 or self.eval_samples < 1:
            raise ValueError("hop and eval_samples must be >= 1 and max_windows >= 0")


@dataclass
class ModelConfig:
    """Which objective (SUNMASK or an ablation) trains which network."""

    objective: Literal["sunmask", "coconet", "sundae"] = "sunmask"
    network: Literal["conv", "transformer"] = "transformer"
    conv: ConvUNetConfig = field(default_factory=ConvUNetConfig)
    transformer: TransformerConfig = field(default_factory=TransformerConfig)


@dataclass
class ChoraleSampling(SamplerConfig):
    """The iterative sampler's settings plus `best_of`: draw that many candidates per
    requested output and keep the one the Bach-or-Mock grader finds closest to Bach
    (the thesis' BEST-of selection, §8.11); 1 keeps every draw."""

    best_of: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.best_of < 1:
            raise ValueError(f"best_of must be >= 1, got {self.best_of}")
