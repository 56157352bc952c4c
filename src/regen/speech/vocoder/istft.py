"""An iSTFT vocoder: the renderer Stage Y' (log-mel) -> Y (waveform) in one parallel pass.

Why this model. The WaveRNN (`regen.speech.vocoder.wavernn`) draws one sample at a time and,
on this CPU, converges too slowly to beat Griffin-Lim. Vocos (Siuzdak, 2023) instead predicts,
for every mel frame, the complex STFT of the waveform at the mel's own hop and lets an inverse
STFT make the audio: no upsampling layers, no autoregression, so an utterance is one
convolutional pass (about a thousandth of real time on one core) and a training step sees
whole chunks of audio. Vocos adds adversarial losses; a discriminator would not train on this
CPU, so the loss here is the multi-resolution STFT magnitude loss (Yamamoto et al., 2020;
`regen.speech.features.stft_loss`) plus an L1 distance between the log-mels of the output and
of the recording. The phase has no direct target: it is learned through the consistency that
the other STFT resolutions demand of the output.

Network, for normalised log-mel cond (batch, frames, n_mels):
    embed      Conv1d(n_mels -> dim, k=7), LayerNorm                      (batch, frames, dim)
    blocks     ConvNeXt: depthwise Conv1d(k=7), LayerNorm, Linear(dim -> hidden), GELU,
               Linear(hidden -> dim), layer scale, residual               (batch, frames, dim)
    head       LayerNorm, Linear(dim -> n_fft + 2) = log-magnitude and phase of n_fft // 2 + 1 bins
    iSTFT      magnitude exp(x) (at most 100) and phase p give S = |S| (cos p + i sin p);
               Hann window of n_fft, the mel's hop, centred frames    -> (batch, frames * hop)
Frame f of the output STFT is centred on sample f * hop, as the centred mel frames are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from regen.core.errors import RegenError
from regen.speech.features.mel import MelConfig, check_log_mel, log_mel
from regen.speech.features.stft_loss import multi_resolution_stft_loss
from regen.speech.vocoder.base import MelVocoder

MAX_MAGNITUDE = 100.0  # Vocos clips exp(log-magnitude) here: keeps early training finite


@dataclass
class ISTFTVocoderConfig:
    """Network sizes; `configs/speech/istft-{tiny,paper}.yaml`. `n_fft` is the synthesis STFT's
    window (a multiple of the mel hop); `mel_weight` scales the log-mel L1 term of the loss."""

    mel: str = "logmel-ch4"
    n_mels: int = 80
    hop: int = 128
    n_fft: int = 512
    dim: int = 512
    hidden: int = 1536
    blocks: int = 8
    mel_weight: float = 1.0

    def __post_init__(self) -> None:
        if min(self.n_mels, self.hop, self.dim, self.hidden, self.blocks) < 1:
            raise ValueError("n_mels, hop, dim, hidden and blocks must be >= 1")
        if self.n_fft < self.hop or self.n_fft % self.hop:
            raise ValueError(f"n_fft ({self.n_fft}) must be a multiple of hop ({self.hop})")
        if self.mel_weight < 0:
            raise ValueError("mel_weight must be >= 0")


class ConvNeXtBlock(nn.Module):
    """Depthwise conv, LayerNorm, MLP, layer scale, residual: (batch, frames, dim) -> same."""

    def __init__(self, dim: int, hidden: int, layer_scale: float) -> None:
        super().__init__()
        self.depthwise = nn.Conv1d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))
        self.scale = nn.Parameter(torch.full((dim,), layer_scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.depthwise(x.transpose(1, 2)).transpose(1, 2)
        return x + self.scale * self.mlp(self.norm(y))


class ISTFTVocoder(MelVocoder):
    """Deterministic log-mel -> waveform by a predicted STFT; see the module docstring.

    `vocode` takes raw log-mels (the normalisation travels with the weights, see `MelVocoder`).
    """

    def __init__(self, cfg: ISTFTVocoderConfig, mel: MelConfig) -> None:
        if (mel.n_mels, mel.hop_length) != (cfg.n_mels, cfg.hop):
            raise RegenError(f"model.n_mels/hop ({cfg.n_mels}, {cfg.hop}) disagree with mel config "
                             f"'{mel.name}' ({mel.n_mels}, {mel.hop_length})")
        super().__init__(cfg.n_mels, mel.sample_rate, mel.name)
        self.cfg, self.mel = cfg, mel
        self.embed = nn.Conv1d(cfg.n_mels, cfg.dim, 7, padding=3)
        self.embed_norm = nn.LayerNorm(cfg.dim)
        self.blocks = nn.ModuleList(ConvNeXtBlock(cfg.dim, cfg.hidden, 1.0 / cfg.blocks) for _ in range(cfg.blocks))
        self.out_norm = nn.LayerNorm(cfg.dim)
        self.head = nn.Linear(cfg.dim, cfg.n_fft + 2)
        self.register_buffer("window", torch.hann_window(cfg.n_fft), persistent=False)

    def spectrum(self, cond: torch.Tensor) -> torch.Tensor:
        """Normalised log-mel (batch, frames, n_mels) -> complex STFT (batch, n_fft // 2 + 1, frames)."""
        x = self.embed_norm(self.embed(cond.transpose(1, 2)).transpose(1, 2))
        for block in self.blocks:
            x = block(x)
        log_mag, phase = self.head(self.out_norm(x)).transpose(1, 2).chunk(2, dim=1)
        mag = log_mag.exp().clamp_max(MAX_MAGNITUDE)
        return torch.complex(mag * torch.cos(phase), mag * torch.sin(phase))

    def forward(self, cond: torch.Tensor) -> torch.Tensor:
        """Normalised log-mel (batch, frames, n_mels) -> waveform (batch, frames * hop)."""
        spec = self.spectrum(cond)
        return torch.istft(spec, self.cfg.n_fft, self.cfg.hop, self.cfg.n_fft, self.window, center=True,
                           length=cond.shape[1] * self.cfg.hop)

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Multi-resolution STFT loss plus `mel_weight` x log-mel L1 on whole chunks.

        batch: `cond` (batch, frames, n_mels) normalised log-mel, `target` (batch, frames * hop) audio.
        """
        cond = check_log_mel(batch["cond"], self.cfg.n_mels, self.mel_name)
        audio = batch["target"].float()
        if audio.shape != (cond.shape[0], cond.shape[1] * self.cfg.hop):
            raise RegenError(f"target audio {tuple(audio.shape)} is not aligned with {cond.shape[1]} frames "
                             f"x hop {self.cfg.hop}")
        wave = self(cond)
        stft = multi_resolution_stft_loss(wave, audio)
        mel_l1 = (log_mel(wave, self.mel) - log_mel(audio, self.mel)).abs().mean()
        return {"loss": stft + self.cfg.mel_weight * mel_l1, "stft": stft.detach(), "mel_l1": mel_l1.detach()}

    @torch.no_grad()
    def vocode(self, log_mel: torch.Tensor, **controls: Any) -> torch.Tensor:
        """Raw (unnormalised) log-mel (frames, n_mels) or (batch, frames, n_mels) -> waveform in [-1, 1]."""
        x = torch.as_tensor(log_mel, dtype=torch.float32)
        single = x.dim() == 2
        wave = self.sample(self.normalize(check_log_mel(x[None] if single else x, self.cfg.n_mels, self.mel_name)),
                           **controls)
        return wave[0] if single else wave

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """Normalised log-mel (batch, frames, n_mels) -> waveform (batch * n, frames * hop); n copies are equal."""
        if controls:
            raise TypeError(f"the iSTFT vocoder is deterministic; it takes no sampling controls ({sorted(controls)})")
        return self(cond.repeat_interleave(n, 0)).clamp(-1.0, 1.0)

