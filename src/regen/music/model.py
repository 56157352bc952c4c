"""`ChoraleDenoiser`: a SUNMASK-family Stage over chorale grids (batch, 4, time).

In regeneration terms the grid is the Y' of a score; this stage renders it by
iterative denoising: `sample` starts from noise (or a partial grid with keep/focus
masks) and refines it with a network-free scheduler from `regen.iterative`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from regen.core.space import Space
from regen.core.stage import Stage
from regen.iterative.denoising_loss import PRESETS, denoising_loss
from regen.iterative.sampler import SamplerConfig, run_sampler
from regen.music.config import ModelConfig
from regen.music.conv_unet import ConvUNetDenoiser
from regen.music.grid import VOCAB, VOICES, WINDOW
from regen.music.transformer_net import TransformerDenoiser


def build_network(cfg: ModelConfig) -> nn.Module:
    """The denoiser network named by `cfg.network`."""
    if cfg.network == "conv":
        return ConvUNetDenoiser(cfg.conv, len(VOICES), VOCAB)
    return TransformerDenoiser(cfg.transformer, len(VOICES), VOCAB)


class ChoraleDenoiser(Stage):
    """Partial chorale grid -> full chorale grid, trained with a `DenoisingSpec` preset."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.spec = PRESETS[cfg.objective]
        self.net = build_network(cfg)

    @property
    def input_space(self) -> Space:
        return Space("chorale-partial-grid", "discrete", (len(VOICES), WINDOW), VOCAB + 1)

    @property
    def output_space(self) -> Space:
        return Space("chorale-grid", "discrete", (len(VOICES), WINDOW), VOCAB)

    def forward(self, tokens: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        """tokens (B, 4, T), known (B, 4, T) -> logits (B, 4, T, vocab); SUNDAE never sees the mask."""
        if not self.spec.mask_input:
            known = torch.zeros_like(known)
        return self.net(tokens, known)

    def loss(self, batch: dict[str, torch.Tensor], known: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Denoising loss of clean windows `batch['target']` (B, 4, T); `known` (B, 4, T) bool
        fixes the corrupted positions (default: drawn per call)."""
        return denoising_loss(self, batch["target"], VOCAB, self.spec, generator, known)

    def default_sampler(self) -> SamplerConfig:
        """Coconet models sample by Gibbs with blanking; the others by unrolled denoising."""
        if self.cfg.objective == "coconet":
            return SamplerConfig(method="gibbs")
        if self.cfg.objective == "sundae":
            return SamplerConfig(mask_schedule="none")
        return SamplerConfig()

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """Complete grids cond (B, 4, T) -> (B * n, 4, T).

        controls: `keep`/`focus` (B, 4, T) bool (see regen.iterative.sampler),
        `sampler` (SamplerConfig), `seed` (int).
        """
        was_training = self.training
        self.eval()
        cfg: SamplerConfig = controls.get("sampler") or self.default_sampler()
        keep, focus = controls.get("keep"), controls.get("focus")
        rep = (lambda m: None if m is None else m.repeat_interleave(n, 0))
        out = run_sampler(self, cfg, VOCAB, cond.repeat_interleave(n, 0), rep(keep), rep(focus),
                          seed=int(controls.get("seed", 0)))
        self.train(was_training)
        return out
