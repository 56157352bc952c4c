"""`TTSStage`: a text -> log-mel converter that carries its mel statistics.

In the space Y' (`regen.speech.features.mel.LogMel`) a log-mel is raw natural-log mel
magnitude (frames, n_mels): that is what `LogMel.encode` gives, what training
targets hold and what renderers (Griffin-Lim, L-BFGS, the neural vocoder)
consume. Networks learn in per-bin normalised units (`MelStats`): a converter
normalises its targets inside `loss` and denormalises what `sample` returns. The
statistics travel with the weights as buffers `mel_mean`, `mel_std` (n_mels,). `Generated` is
what a converter's free-running `generate` returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from regen.core.space import Space
from regen.core.stage import Stage
from regen.speech.tts.text_input import TEXT_SPACE


class TTSStage(Stage):
    """Stage base holding `mel_mean`, `mel_std` (n_mels,) of the training log-mels; text in, the
    log-mel `cfg.mel` of `cfg.n_mels` bins out (a subclass keeps its config in `self.cfg`)."""

    def __init__(self, n_mels: int) -> None:
        super().__init__()
        self.register_buffer("mel_mean", torch.zeros(n_mels))
        self.register_buffer("mel_std", torch.ones(n_mels))

    @property
    def input_space(self) -> Space:
        return TEXT_SPACE

    @property
    def output_space(self) -> Space:
        return Space(f"logmel-{self.cfg.mel}", "continuous", (self.cfg.n_mels,))

    def set_stats(self, mean: list[float], std: list[float]) -> None:
        """Record the per-bin statistics the training targets were normalised with."""
        self.mel_mean.copy_(torch.tensor(mean))
        self.mel_std.copy_(torch.tensor(std))

    def normalize(self, mel: torch.Tensor, stride: int = 1) -> torch.Tensor:
        """Raw log-mel (…, n_mels / stride) -> normalised; `stride` picks every stride-th bin's stats."""
        return (mel - self.mel_mean[::stride]) / self.mel_std[::stride]

    def denormalize(self, mel: torch.Tensor, stride: int = 1) -> torch.Tensor:
        """Inverse of `normalize`."""
        return mel * self.mel_std[::stride] + self.mel_mean[::stride]


@dataclass
class Generated:
    """Free-running output: mel (batch, frames, n_mels) zero-padded past `lengths` (batch,);
    alignment (batch, frames, inputs) attention weights per generated frame."""

    mel: torch.Tensor
    lengths: torch.Tensor
    alignment: torch.Tensor
