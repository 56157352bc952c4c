"""`TextDenoiser`: a SUNMASK-family Stage over padded token sequences (batch, length).

Trained with a `regen.iterative` denoising preset (SUNMASK, Coconet or SUNDAE) and sampled by
the same network-free schedulers as the chorales: from noise, or from a partial sentence whose
`keep` positions stay fixed (infilling). The vocabulary travels in the weights as a code-point
tensor (`regen.text.vocabulary`), so a checkpoint decodes its own tokens.
"""

from __future__ import annotations

from regen.core.space import Space
from regen.iterative.denoiser import MaskedDenoiser
from regen.iterative.denoising_loss import PRESETS
from regen.text.config import ModelConfig
from regen.text.network import TextTransformer
from regen.text.vocabulary import Level, StoredVocabulary, VocabularyOwner


class TextDenoiser(VocabularyOwner, MaskedDenoiser):
    """Partial sentence (batch, length) -> full sentence (batch, length), token ids in [0, vocab)."""

    def __init__(self, cfg: ModelConfig, vocab_size: int, length: int, level: Level = "word") -> None:
        super().__init__()
        self.cfg, self.vocab_size, self.length = cfg, vocab_size, length
        self.spec = PRESETS[cfg.objective]
        self.vocab = vocab_size
        self.net = TextTransformer(cfg.transformer, vocab_size, length)
        self.stored_vocabulary = StoredVocabulary(vocab_size, level)

    @property
    def input_space(self) -> Space:
        return Space("text-partial", "discrete", (self.length,), self.vocab_size + 1)

    @property
    def output_space(self) -> Space:
        return Space("text-tokens", "discrete", (self.length,), self.vocab_size)
