"""`LogMel`: the log-mel spectrogram as the explicit abstraction Y' of a waveform."""

from __future__ import annotations

import torch

from regen.core.abstraction import Abstraction
from regen.core.space import Space
from regen.speech.features.inversion import invert_log_mel
from regen.speech.features.mel import MelConfig, log_mel


class LogMel(Abstraction):
    """Waveform -> log-mel spectrogram, with Griffin-Lim as its decoder.

    encode: (batch, samples) float in [-1, 1] -> (batch, frames, n_mels).
    decode: (batch, frames, n_mels) -> (batch, samples) via `regen.speech.features.inversion`.
    """

    def __init__(self, cfg: MelConfig, gl_iterations: int = 64) -> None:
        super().__init__()
        self.cfg = cfg
        self.gl_iterations = gl_iterations

    @property
    def space(self) -> Space:
        return Space(f"logmel-{self.cfg.name}", "continuous", (self.cfg.n_mels,))

    @property
    def target_space(self) -> Space:
        return Space(f"waveform-{self.cfg.sample_rate}", "continuous", ())

    def encode(self, y: torch.Tensor) -> torch.Tensor:
        return log_mel(y, self.cfg)

    def decode(self, y_abs: torch.Tensor) -> torch.Tensor:
        return invert_log_mel(y_abs, self.cfg, method="gl", iterations=self.gl_iterations)
