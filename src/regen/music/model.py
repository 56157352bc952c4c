"""`ChoraleDenoiser`: a SUNMASK-family Stage over chorale grids (batch, 4, time).

In regeneration terms the grid is the Y' of a score; this stage renders it by
iterative denoising: `sample` starts from noise (or a partial grid with keep/focus
masks) and refines it with a network-free scheduler from `regen.iterative`.
"""

from __future__ import annotations

from torch import nn

from regen.core.space import Space
from regen.iterative.denoiser import MaskedDenoiser
from regen.iterative.denoising_loss import PRESETS
from regen.music.config import ModelConfig
from regen.music.conv_unet import ConvUNetDenoiser
from regen.music.grid import VOCAB, VOICES, WINDOW
from regen.music.transformer_net import TransformerDenoiser


def build_network(cfg: ModelConfig) -> nn.Module:
    """The denoiser network named by `cfg.network`."""
    if cfg.network == "conv":
        return ConvUNetDenoiser(cfg.conv, len(VOICES), VOCAB)
    return TransformerDenoiser(cfg.transformer, len(VOICES), VOCAB)


class ChoraleDenoiser(MaskedDenoiser):
    """Partial chorale grid -> full chorale grid, trained with a `DenoisingSpec` preset."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.spec = PRESETS[cfg.objective]
        self.vocab = VOCAB
        self.net = build_network(cfg)

    @property
    def input_space(self) -> Space:
        return Space("chorale-partial-grid", "discrete", (len(VOICES), WINDOW), VOCAB + 1)

    @property
    def output_space(self) -> Space:
        return Space("chorale-grid", "discrete", (len(VOICES), WINDOW), VOCAB)
