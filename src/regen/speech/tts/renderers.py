"""Renderer stages of speech, P(waveform | log-mel): the Y' -> Y half of the pipeline.

Both take raw log-mels (batch, frames, n_mels) in the space of their mel config
and return waveforms (batch, samples):

    InversionRenderer   Griffin-Lim or L-BFGS (`regen.speech.features.inversion`): the explicit
                        inverse of the `LogMel` abstraction, nothing to train
    NeuralRenderer      a vocoder trained on audio alone: the WaveRNN (`regen.speech.vocoder.wavernn`)
                        or the iSTFT vocoder (`regen.speech.vocoder.istft`); when its mel config
                        differs from the converter's (R-MelNet makes 256-bin, hop-200 mels, the
                        vocoders read 80-bin, hop-128 ones) the input is re-expressed with
                        `convert_log_mel` first
"""

from __future__ import annotations

from typing import Any

import torch

from regen.core.errors import RegenError
from regen.core.space import Space
from regen.core.stage import Stage
from regen.speech.features.inversion import METHODS, convert_log_mel, invert_log_mel
from regen.speech.features.mel import MelConfig, load_mel_config
from regen.speech.vocoder.istft import ISTFTVocoder
from regen.speech.vocoder.wavernn import WaveRNNVocoder


class InversionRenderer(Stage):
    """Log-mel -> waveform by Griffin-Lim ('gl') or L-BFGS ('lbfgs', 'lbfgs-gl')."""

    def __init__(self, mel: MelConfig, method: str = "gl", iterations: int = 64) -> None:
        super().__init__()
        if method not in METHODS:
            raise RegenError(f"unknown inversion method '{method}'; choose one of {', '.join(METHODS)}")
        self.mel, self.method, self.iterations = mel, method, iterations

    @property
    def input_space(self) -> Space:
        return Space(f"logmel-{self.mel.name}", "continuous", (self.mel.n_mels,))

    @property
    def output_space(self) -> Space:
        return Space(f"waveform-{self.mel.sample_rate}", "continuous", ())

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        raise RegenError(f"{self.method} inversion has no parameters to train")

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, seed: int = 0, **controls: Any) -> torch.Tensor:
        """(batch, frames, n_mels) raw log-mel -> (batch * n, samples)."""
        waves = [invert_log_mel(cond, self.mel, self.method, self.iterations, seed=seed + k) for k in range(n)]
        return torch.stack(waves, 1).flatten(0, 1)


class NeuralRenderer(Stage):
    """Log-mel of config `source` -> waveform by a trained vocoder (WaveRNN or iSTFT)."""

    def __init__(self, vocoder: WaveRNNVocoder | ISTFTVocoder, source: MelConfig) -> None:
        super().__init__()
        self.vocoder, self.source = vocoder, source
        self.own = load_mel_config(f"logmel-{vocoder.mel_name}")
        if source.sample_rate != self.own.sample_rate:
            raise RegenError(f"the vocoder works at {self.own.sample_rate} Hz, the converter's mels at "
                             f"{source.sample_rate} Hz; retrain one of them")

    @property
    def input_space(self) -> Space:
        return Space(f"logmel-{self.source.name}", "continuous", (self.source.n_mels,))

    @property
    def output_space(self) -> Space:
        return self.vocoder.output_space

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The vocoder's own loss (batch of its normalised mels and audio; see its `loss`)."""
        return self.vocoder.loss(batch)

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """(batch, frames, n_mels) raw log-mel -> (batch * n, samples); controls go to `vocode`."""
        if self.source.name != self.own.name:
            cond = torch.stack([convert_log_mel(m, self.source, self.own) for m in cond])
        cond = cond.repeat_interleave(n, 0)
        return self.vocoder.vocode(cond, **controls)


VOCODERS = ("gl", "lbfgs", "neural", "istft")
# the trained renderers: --vocoder name -> (task of its checkpoint, the shipped checkpoint)
NEURAL_VOCODERS = {"neural": ("speech-vocoder", "speech/vocoder-tiny"), "istft": ("speech-istft", "speech/istft-tiny")}


def build_renderer(name: str, mel: MelConfig, checkpoint: Any = None, iterations: int = 64) -> Stage:
    """The Y' -> Y stage `name` of `VOCODERS`: a trained vocoder (`checkpoint`, by default the shipped one)
    or Griffin-Lim / L-BFGS with `iterations`; one-line RegenError for an unknown name."""
    if name not in VOCODERS:
        raise RegenError(f"unknown vocoder '{name}'; choose one of {', '.join(VOCODERS)}")
    if name in NEURAL_VOCODERS:
        from regen.core.task import load_model

        task, shipped = NEURAL_VOCODERS[name]
        return NeuralRenderer(load_model(checkpoint or shipped, task=task)[0], mel)
    return InversionRenderer(mel, name, iterations)

