"""Config sections of the text task (configs/text/*.yaml): model, data and sampling.

The one training phase is `phases.denoiser`; the `sample` section is the iterative sampler's
`SamplerConfig` (`regen.iterative.sampler`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from regen.nn.relative_transformer import TransformerConfig


@dataclass
class DataConfig:
    """The corpus (`regen.text.corpus`) at `level` word (sentences shorter than `length` tokens,
    padded to it) or char (text8-style windows of `length` characters); `vocab_size` tokens; `max_sentences` (> 0) keeps only the first train and valid sentences
    (tests); `eval_samples` free samples are scored by `regen evaluate`."""

    level: Literal["word", "char"] = "word"
    vocab_size: int = 5700
    length: int = 52
    max_sentences: int = 0
    eval_samples: int = 100

    def __post_init__(self) -> None:
        if self.vocab_size < 3 or self.length < 2:
            raise ValueError("vocab_size must be >= 3 and length >= 2")
        if self.max_sentences < 0 or self.eval_samples < 2:
            raise ValueError("max_sentences must be >= 0 and eval_samples >= 2")


@dataclass
class ModelConfig:
    """Which objective trains the transformer: SUNMASK, its Coconet and SUNDAE ablations (masked
    denoisers, `regen.text.model`), or `autoregressive`, the left-to-right baseline of the same
    size (`regen.text.language_model`)."""

    objective: Literal["sunmask", "coconet", "sundae", "autoregressive"] = "sunmask"
    transformer: TransformerConfig = field(default_factory=lambda: TransformerConfig(max_distance=52))
