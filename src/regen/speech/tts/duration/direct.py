"""Direct X -> Y for the duration model, the fair way (FastSpeech 2s in shape): the same converter network
ending in the iSTFT vocoder's head, trained end to end on paired text and audio with the vocoder's losses
on the waveform, so nothing but the abstraction separates it from regeneration (text -> log-mel ->
iSTFT vocoder).

    text side    the duration model's (`DurationTTS`): phone encoder, speakers, MAS aligner (on the
                 utterance's log-mel: a feature of the audio, not a target), duration / pitch / energy
                 predictors, length regulator, FFT decoder over the frames  (batch, frames, hidden)
    wave head    the iSTFT vocoder's (`regen.speech.vocoder.istft`): a projection to `head_dim`,
                 `head_blocks` ConvNeXt blocks, LayerNorm, a linear layer to each frame's log-magnitude
                 and phase, inverse STFT at the mel hop              (batch, frames * hop)
    loss         on a random window of `segment_frames` frames per utterance (FastSpeech 2s's
                 windows): multi-resolution STFT magnitudes + `mel_weight` x log-mel L1 of the waveform,
                 the vocoder's loss; plus the duration model's alignment and variance losses. No log-mel
                 is ever the model's output or target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from regen.core.errors import RegenError
from regen.core.run_config import RunConfig
from regen.core.space import Space
from regen.speech.features.mel import load_mel_config, log_mel
from regen.speech.features.stft_loss import multi_resolution_stft_loss
from regen.speech.text.mixing import TextFrontEnd
from regen.speech.tts.duration.layers import phone_position
from regen.speech.tts.duration.model import DurationConfig, DurationTTS
from regen.speech.tts.duration.speak import WaveformSpeaker
from regen.speech.vocoder.istft import MAX_MAGNITUDE, ConvNeXtBlock


@dataclass
class DirectDurationConfig(DurationConfig):
    """The duration model's sizes and switches plus the wave head's (the iSTFT vocoder's: `head_dim`,
    `head_hidden`, `head_blocks`, `n_fft`), the training window and the log-mel weight of the loss."""

    head_dim: int = 128
    head_hidden: int = 384
    head_blocks: int = 6
    n_fft: int = 512
    segment_frames: int = 64
    mel_weight: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.decoder != "regression":
            raise ValueError("the Direct row's decoder feeds the wave head: keep decoder: regression")
        if min(self.head_dim, self.head_hidden, self.head_blocks, self.segment_frames) < 1 or self.mel_weight < 0:
            raise ValueError("head_dim, head_hidden, head_blocks and segment_frames must be >= 1 and mel_weight >= 0")


class DirectDurationTTS(DurationTTS):
    """Phones -> waveform Stage; see the module docstring. Training batches are the duration model's
    plus `audio` (batch, frames * hop), the waveform cut to its frames."""

    def __init__(self, cfg: DirectDurationConfig) -> None:
        super().__init__(cfg)
        self.wave_mel = load_mel_config(f"logmel-{cfg.mel}")
        if cfg.n_fft < self.wave_mel.hop_length or cfg.n_fft % self.wave_mel.hop_length:
            raise RegenError(f"model.n_fft ({cfg.n_fft}) must be a multiple of the mel hop ({self.wave_mel.hop_length})")
        self.head_in = nn.Linear(cfg.hidden, cfg.head_dim)
        self.head_blocks = nn.ModuleList(ConvNeXtBlock(cfg.head_dim, cfg.head_hidden, 1.0 / cfg.head_blocks)
                                         for _ in range(cfg.head_blocks))
        self.head_norm = nn.LayerNorm(cfg.head_dim)
        self.head = nn.Linear(cfg.head_dim, cfg.n_fft + 2)
        self.register_buffer("window", torch.hann_window(cfg.n_fft), persistent=False)
        self.last_waves: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    @property
    def output_space(self) -> Space:
        return Space(f"waveform-{self.wave_mel.sample_rate}", "continuous", ())

    def hidden_frames(self, frames: torch.Tensor, frame_mask: torch.Tensor, durations: torch.Tensor) -> torch.Tensor:
        """Regulated states -> the decoder's outputs (batch, frames, hidden), zero past frame_mask."""
        keep = frame_mask[..., None].to(frames.dtype)
        if self.position is not None:
            frames = frames + self.position(phone_position(durations, frames.shape[1])) * keep
        return self.decoder(frames, frame_mask) * keep

    def waveform(self, hidden: torch.Tensor) -> torch.Tensor:
        """Decoder outputs (batch, frames, hidden) -> waveform (batch, frames * hop) through the iSTFT head."""
        x = self.head_in(hidden)
        for block in self.head_blocks:
            x = block(x)
        log_mag, phase = self.head(self.head_norm(x)).transpose(1, 2).chunk(2, dim=1)
        mag = log_mag.exp().clamp_max(MAX_MAGNITUDE)
        spec = torch.complex(mag * torch.cos(phase), mag * torch.sin(phase))
        hop = self.wave_mel.hop_length
        return torch.istft(spec, self.cfg.n_fft, hop, self.cfg.n_fft, self.window, center=True,
                           length=hidden.shape[1] * hop)

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Waveform losses on one random window per utterance, alignment and variance losses; `loss` sums them."""
        taught = self.teach(batch)
        frames, durations = self.variances(taught, batch)
        hidden = self.hidden_frames(frames, taught.frame_mask, durations)
        lengths = taught.frame_mask.sum(-1)
        window, hop = min(self.cfg.segment_frames, int(lengths.min())), self.wave_mel.hop_length
        starts = (torch.rand(len(lengths), device=hidden.device) * (lengths - window + 1)).long()
        index = starts[:, None] + torch.arange(window, device=hidden.device)[None]
        chosen = hidden.gather(1, index[..., None].expand(-1, -1, hidden.shape[-1]))
        samples = (starts[:, None] * hop + torch.arange(window * hop, device=hidden.device)[None])
        target = batch["audio"].float().gather(1, samples)
        wave = self.waveform(chosen)
        losses = taught.losses
        losses["stft"] = multi_resolution_stft_loss(wave, target)
        losses["wave_mel"] = self.cfg.mel_weight * (log_mel(wave, self.wave_mel) - log_mel(target, self.wave_mel)).abs().mean()
        total = sum(losses.values())
        return {"loss": total, **{k: v.detach() for k, v in losses.items()}}

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """(batch, symbols, 3) -> waveforms (batch * n, max frames * hop), zero past each row's frames;
        controls `voice`, `rate`, `pitch_shift`. Deterministic. `self.last_waves` keeps (waveforms, frames
        per row, hard paths (batch, frames, symbols))."""
        from regen.speech.align.mas import durations_to_path

        unknown = set(controls) - {"voice", "rate", "pitch_shift"}
        if unknown:
            raise RegenError(f"unknown control(s) {', '.join(sorted(unknown))}; this model takes voice, rate, pitch_shift")
        cond = cond.repeat_interleave(n, dim=0)
        speaker = self.speaker_index(controls.get("voice"), len(cond))
        frames, lengths, durations = self.predict_frames(cond, speaker, float(controls.get("rate", 1.0)),
                                                         float(controls.get("pitch_shift", 0.0)))
        frame_mask = torch.arange(frames.shape[1], device=frames.device)[None] < lengths[:, None]
        wave = self.waveform(self.hidden_frames(frames, frame_mask, durations)).clamp(-1.0, 1.0)
        wave = wave * torch.repeat_interleave(frame_mask, self.wave_mel.hop_length, dim=1)
        self.last_waves = (wave, lengths, durations_to_path(durations, frames.shape[1]).transpose(1, 2))
        return wave


class DirectDurationSpeaker(WaveformSpeaker):
    """Text -> `Speech` straight from a `DirectDurationTTS` (no Y', no renderer)."""

    converter: DirectDurationTTS

    def __init__(self, converter: DirectDurationTTS, cfg: RunConfig, front_end: TextFrontEnd | None = None,
                 max_seconds_per_symbol: float = 0.25) -> None:
        self.cfg, self.mel = cfg, converter.wave_mel
        self.front_end = front_end or TextFrontEnd()
        self.max_seconds_per_symbol = max_seconds_per_symbol
        self.direct, self.regenerator, self.converter = True, None, converter

    def render_rows(self, cond: torch.Tensor, voice: str | None, rate: float, pitch_shift: float,
                    seed: int) -> list[tuple[np.ndarray, int, torch.Tensor]]:
        self.converter.sample(cond, voice=voice, rate=rate, pitch_shift=pitch_shift)
        waves, lengths, paths = self.converter.last_waves
        hop = self.mel.hop_length
        return [(waves[row, : int(lengths[row]) * hop].cpu().numpy(), int(lengths[row]), paths[row])
                for row in range(len(waves))]
