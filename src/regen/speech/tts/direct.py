"""The Direct baseline of speech: text -> waveform frames, without the log-mel Y'.

The same network as Representation Mixing TTS (`regen.speech.tts.repmix`: mixed
text embeddings, SMRC encoder, GMM attention, prenet, LSTM decoder, TBPTT) at the
same size and step budget, but each output "frame" is `n_mels` consecutive audio
samples (`n_mels` = the mel hop, so frame rates match) regressed with MSE. It is
what the regeneration split removes: the converter has to produce phase, not
only a spectral envelope.

Shapes: cond (batch, length, 3); target (batch, frames, samples_per_frame) raw
audio in [-1, 1]; `sample` returns waveforms (batch * n, frames * samples_per_frame).
The `TTSStage` statistics hold the audio's standard deviation in every column, so
the network regresses unit-variance samples.
"""

from __future__ import annotations

from typing import Any

import torch

from regen.core.space import Space
from regen.speech.tts.repmix import RepMixConfig, RepMixTTS


class DirectTTS(RepMixTTS):
    """Text (repmix) -> waveform Stage: RepMix TTS regressing sample frames; see the module docstring."""

    def __init__(self, cfg: RepMixConfig, sample_rate: int = 22050) -> None:
        super().__init__(cfg)
        self.sample_rate = sample_rate

    @property
    def output_space(self) -> Space:
        return Space(f"waveform-{self.sample_rate}", "continuous", ())

    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """(batch, length, 3) -> waveform (batch * n, frames * samples_per_frame), clipped to [-1, 1]."""
        frames = super().sample(cond, n, **controls)
        return frames.reshape(frames.shape[0], -1).clamp(-1.0, 1.0)
