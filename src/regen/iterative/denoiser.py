"""`MaskedDenoiser`: the Stage shared by every SUNMASK-family model, whatever its tokens hold.

A subclass sets `spec` (a `DenoisingSpec` preset), `vocab` (tokens are ids in [0, vocab)) and
`net`, a network (tokens, known) -> logits (..., vocab) over tokens of any shape (batch, *shape):
chorale grids (batch, 4, time), sentences (batch, length). Training is `denoising_loss`;
sampling runs `regen.iterative.sampler` from noise or a partial input.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from regen.core.stage import Stage
from regen.iterative.denoising_loss import DenoisingSpec, denoising_loss
from regen.iterative.sampler import SamplerConfig, run_sampler


class MaskedDenoiser(Stage):
    """Partial tokens (batch, *shape) -> complete tokens (batch, *shape); see the module docstring."""

    spec: DenoisingSpec
    vocab: int
    net: nn.Module

    def forward(self, tokens: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        """tokens, known (batch, *shape) -> logits (batch, *shape, vocab); SUNDAE never sees the mask."""
        if not self.spec.mask_input:
            known = torch.zeros_like(known)
        return self.net(tokens, known)

    def loss(self, batch: dict[str, torch.Tensor], known: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Denoising loss of clean tokens `batch['target']` (batch, *shape); `known` (same shape) bool
        fixes the corrupted positions (default: drawn per call)."""
        return denoising_loss(self, batch["target"], self.vocab, self.spec, generator, known)

    def default_sampler(self) -> SamplerConfig:
        """Coconet models sample by Gibbs with blanking, SUNDAE without masks, SUNMASK unrolled."""
        if self.spec.corruption == "absorb":
            return SamplerConfig(method="gibbs")
        if not self.spec.mask_input:
            return SamplerConfig(mask_schedule="none")
        return SamplerConfig()

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """Complete cond (batch, *shape) -> (batch * n, *shape). controls: `keep`/`focus` (batch, *shape)
        bool (see regen.iterative.sampler), `sampler` (SamplerConfig), `seed` (int), `callback` (called
        with the SamplerState after every step, e.g. to advance a progress bar)."""
        was_training = self.training
        self.eval()
        cfg: SamplerConfig = controls.get("sampler") or self.default_sampler()
        keep, focus = controls.get("keep"), controls.get("focus")
        rep = (lambda m: None if m is None else m.repeat_interleave(n, 0))
        out = run_sampler(self, cfg, self.vocab, cond.repeat_interleave(n, 0), rep(keep), rep(focus),
                          seed=int(controls.get("seed", 0)), callback=controls.get("callback"))
        self.train(was_training)
        return out
