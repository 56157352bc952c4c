"""`TextDenoiser`: a SUNMASK-family Stage over padded token sequences (batch, length).

Trained with a `regen.iterative` denoising preset (SUNMASK, Coconet or SUNDAE) and sampled by
the same network-free schedulers as the chorales: from noise, or from a partial sentence whose
`keep` positions stay fixed (infilling). The vocabulary travels in the weights as a code-point
tensor (`regen.text.vocabulary`), so a checkpoint decodes its own tokens.
"""

from __future__ import annotations

from typing import Any

import torch

from regen.core.space import Space
from regen.core.stage import Stage
from regen.iterative.denoising_loss import PRESETS, denoising_loss
from regen.iterative.sampler import SamplerConfig, run_sampler
from regen.text.config import ModelConfig
from regen.text.network import TextTransformer
from regen.text.vocabulary import StoredVocabulary, Vocabulary


class TextDenoiser(Stage):
    """Partial sentence (batch, length) -> full sentence (batch, length), token ids in [0, vocab)."""

    def __init__(self, cfg: ModelConfig, vocab_size: int, length: int) -> None:
        super().__init__()
        self.cfg, self.vocab_size, self.length = cfg, vocab_size, length
        self.spec = PRESETS[cfg.objective]
        self.net = TextTransformer(cfg.transformer, vocab_size, length)
        self.stored_vocabulary = StoredVocabulary(vocab_size)

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        """Store the corpus's vocabulary in the weights (it must have `vocab_size` tokens)."""
        self.stored_vocabulary.set(vocabulary)

    @property
    def vocabulary(self) -> Vocabulary:
        """The tokens the weights were trained on."""
        return self.stored_vocabulary.get()

    @property
    def input_space(self) -> Space:
        return Space("text-partial", "discrete", (self.length,), self.vocab_size + 1)

    @property
    def output_space(self) -> Space:
        return Space("text-tokens", "discrete", (self.length,), self.vocab_size)

    def forward(self, tokens: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        """tokens (B, L), known (B, L) -> logits (B, L, vocab); SUNDAE never sees the mask."""
        if not self.spec.mask_input:
            known = torch.zeros_like(known)
        return self.net(tokens, known)

    def loss(self, batch: dict[str, torch.Tensor], known: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Denoising loss of clean sentences `batch['target']` (B, L); `known` (B, L) bool fixes the
        corrupted positions (default: drawn per call)."""
        return denoising_loss(self, batch["target"], self.vocab_size, self.spec, generator, known)

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """Complete cond (B, L) -> (B * n, L). controls: `keep`/`focus` (B, L) bool
        (`regen.iterative.sampler`), `sampler` (SamplerConfig), `seed` (int)."""
        was_training = self.training
        self.eval()
        sampler: SamplerConfig = controls.get("sampler") or SamplerConfig()
        keep, focus = controls.get("keep"), controls.get("focus")
        rep = (lambda m: None if m is None else m.repeat_interleave(n, 0))
        out = run_sampler(self, sampler, self.vocab_size, cond.repeat_interleave(n, 0), rep(keep), rep(focus),
                          seed=int(controls.get("seed", 0)))
        self.train(was_training)
        return out
