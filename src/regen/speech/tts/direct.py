"""The Direct baseline of speech: text -> waveform frames, without the log-mel Y'.

The same network as Representation Mixing TTS (`regen.speech.tts.repmix`: mixed
text embeddings, SMRC encoder, GMM attention, prenet, LSTM decoder, TBPTT) at the
same size and step budget, but each output "frame" is `n_mels` consecutive audio
samples (`n_mels` = the mel hop, so frame rates match). It is what the regeneration
split removes: the converter has to produce phase, not only a spectral envelope.

The objective is `DirectConfig.loss`:

    mse    MSE of the unit-variance samples of each frame. It cannot represent
           phase: a right sound at a wrong phase costs more than silence.
    stft   the frames of each TBPTT chunk joined back into a waveform in raw audio
           units, scored by the multi-resolution STFT magnitude loss
           (`regen.speech.features.stft_loss`: 512/1024/2048-point Hann windows,
           hops 128/256/512) over the chunk's valid frames, as waveform models of
           the field train. Chunk losses are weighted by their valid frames as
           with mse. No parameters: the network is the same either way.

Shapes: cond (batch, length, 3); target (batch, frames, samples_per_frame) raw
audio in [-1, 1]; `sample` returns waveforms (batch * n, frames * samples_per_frame).
The `TTSStage` statistics hold the audio's standard deviation in every column, so
the network regresses unit-variance samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch

from regen.core.space import Space
from regen.speech.features.stft_loss import multi_resolution_stft_loss
from regen.speech.tts.repmix import RepMixConfig, RepMixTTS


@dataclass
class DirectConfig(RepMixConfig):
    """RepMix TTS sizes (`n_mels` is samples per frame) and the training objective `loss`
    (mse | stft, see the module docstring; mse is the original baseline)."""

    loss: Literal["mse", "stft"] = "mse"


class DirectTTS(RepMixTTS):
    """Text (repmix) -> waveform Stage: RepMix TTS regressing sample frames; see the module docstring."""

    def __init__(self, cfg: DirectConfig, sample_rate: int = 22050) -> None:
        super().__init__(cfg)
        self.sample_rate = sample_rate

    def chunk_loss(self, pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """pred, target (batch, frames, samples_per_frame) normalised, valid (batch, frames) -> the
        `cfg.loss` objective of the chunk."""
        if self.cfg.loss == "mse":
            return super().chunk_loss(pred, target, valid)
        waves = [self.denormalize(x.float()).flatten(1) for x in (pred, target)]
        return multi_resolution_stft_loss(*waves, valid.repeat_interleave(self.cfg.n_mels, dim=1))

    @property
    def output_space(self) -> Space:
        return Space(f"waveform-{self.sample_rate}", "continuous", ())

    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """(batch, length, 3) -> waveform (batch * n, frames * samples_per_frame), clipped to [-1, 1]."""
        frames = super().sample(cond, n, **controls)
        return frames.reshape(frames.shape[0], -1).clamp(-1.0, 1.0)
