"""`MelVocoder`: what every trained renderer of speech shares (log-mel in, waveform out).

The per-bin statistics the training log-mels were normalised with travel with the weights
(buffers `mel_mean`, `mel_std`, set by the vocoder task), so a vocoder takes raw log-mels.
"""

from __future__ import annotations

import torch

from regen.core.space import Space
from regen.core.stage import Stage


class MelVocoder(Stage):
    """Base of the WaveRNN and iSTFT vocoders: log-mel of mel config `mel_name` ((…, n_mels) frames)
    -> waveform at `sample_rate`."""

    def __init__(self, n_mels: int, sample_rate: int, mel_name: str) -> None:
        super().__init__()
        self.n_mels, self.sample_rate, self.mel_name = n_mels, sample_rate, mel_name
        self.register_buffer("mel_mean", torch.zeros(n_mels))
        self.register_buffer("mel_std", torch.ones(n_mels))

    @property
    def input_space(self) -> Space:
        return Space(f"logmel-{self.mel_name}", "continuous", (self.n_mels,))

    @property
    def output_space(self) -> Space:
        return Space(f"waveform-{self.sample_rate}", "continuous", ())

    def set_stats(self, mean: list[float], std: list[float]) -> None:
        """Record the per-bin statistics the training log-mels were normalised with."""
        self.mel_mean.copy_(torch.tensor(mean))
        self.mel_std.copy_(torch.tensor(std))

    def normalize(self, log_mel: torch.Tensor) -> torch.Tensor:
        """Raw log-mel (…, n_mels) -> the normalised form the network consumes."""
        return (log_mel - self.mel_mean) / self.mel_std
