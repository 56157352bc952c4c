"""The Direct baseline of speech: text -> waveform frames, without the log-mel Y'.

The same network as Representation Mixing TTS (`regen.speech.repmix_tts`: mixed
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

from dataclasses import dataclass, field
from typing import Any, Literal

import torch

from regen.core.space import Space
from regen.speech.repmix_tts import RepMixConfig, RepMixTTS
from regen.speech.tts_data import TTSDataConfig
from regen.train.config import PhaseConfig, TrainerConfig


@dataclass
class DirectRunConfig:
    """A Direct run (configs/speech/direct-*.yaml); `model.n_mels` is samples per frame."""

    task: Literal["speech-direct"] = "speech-direct"
    name: str = "direct-paper"
    seed: int = 0
    model: RepMixConfig = field(default_factory=RepMixConfig)
    data: TTSDataConfig = field(default_factory=TTSDataConfig)
    phase: PhaseConfig = field(default_factory=PhaseConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)


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
