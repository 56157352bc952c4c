"""A small neural speech codec: waveform -> discrete codes (a learned Y') -> waveform.

The paper's Table 2 lists learned codes next to the log-mel as speech's Y' (VQ-VAE codes in
DelightfulTTS 2 and DiscreTalk, the latent codes of AudioLM and AudioGen). This codec learns them
from audio alone, SoundStream/EnCodec in shape, sized for a CPU, with the iSTFT head of the
project's vocoder (`regen.speech.vocoder.istft`) as its decoder's output:

    input      log-mel of the waveform, normalised by the training statistics  (batch, frames, n_mels)
    encoder    Conv1d(k=7) embedding, `encoder_blocks` ConvNeXt blocks, then `downsample` = 2^k
               frames merged by k stride-2 convolutions, a projection to `code_dim`
                                                                   (batch, frames / downsample, code_dim)
    quantiser  residual VQ, `codebooks` x `codebook_size` entries (`regen.nn.quantizers`)
                                                 codes (batch, frames / downsample, codebooks) int64
    decoder    projection to `dim`, k stride-2 transposed convolutions back to the mel frame rate,
               `decoder_blocks` ConvNeXt blocks, head to log-magnitude and phase, inverse STFT
                                                                   waveform (batch, frames * hop)
    loss       multi-resolution STFT magnitudes + `mel_weight` x log-mel L1 (the iSTFT vocoder's),
               plus the quantiser's commitment loss

Bitrate: sample_rate / (hop * downsample) code frames per second x codebooks x log2(codebook_size)
bits: at 22,050 Hz, hop 128, downsample 4, four codebooks of 256: 43.1 frames/s, 1,378 bit/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from regen.core.abstraction import Abstraction
from regen.core.errors import RegenError
from regen.core.space import Space
from regen.nn.quantizers import ResidualVQ
from regen.speech.features.mel import MelConfig, check_log_mel, log_mel
from regen.speech.features.stft_loss import multi_resolution_stft_loss
from regen.speech.vocoder.istft import MAX_MAGNITUDE, ConvNeXtBlock


@dataclass
class CodecConfig:
    """Sizes of the codec (see the module docstring); `configs/speech/codec-{tiny,paper}.yaml`."""

    mel: str = "logmel-ch4"
    n_mels: int = 80
    hop: int = 128
    n_fft: int = 512
    dim: int = 128
    hidden: int = 384
    encoder_blocks: int = 3
    decoder_blocks: int = 6
    downsample: int = 4
    code_dim: int = 64
    codebooks: int = 4
    codebook_size: int = 256
    beta: float = 0.25
    decay: float = 0.99
    mel_weight: float = 1.0

    def __post_init__(self) -> None:
        if min(self.n_mels, self.hop, self.dim, self.hidden, self.encoder_blocks, self.decoder_blocks, self.code_dim,
               self.codebooks, self.codebook_size) < 1:
            raise ValueError("the codec's sizes must be >= 1")
        if self.downsample < 1 or self.downsample & (self.downsample - 1):
            raise ValueError(f"downsample must be a power of two, got {self.downsample}")
        if self.n_fft < self.hop or self.n_fft % self.hop:
            raise ValueError(f"n_fft ({self.n_fft}) must be a multiple of hop ({self.hop})")


class SpeechCodec(Abstraction):
    """Waveform <-> codes, learned on audio alone (`learned = True`); see the module docstring."""

    learned = True

    def __init__(self, cfg: CodecConfig, mel: MelConfig) -> None:
        super().__init__()
        if (mel.n_mels, mel.hop_length) != (cfg.n_mels, cfg.hop):
            raise RegenError(f"model.n_mels/hop ({cfg.n_mels}, {cfg.hop}) disagree with mel config "
                             f"'{mel.name}' ({mel.n_mels}, {mel.hop_length})")
        self.cfg, self.mel = cfg, mel
        steps = int(math.log2(cfg.downsample))
        self.embed = nn.Conv1d(cfg.n_mels, cfg.dim, 7, padding=3)
        self.encoder = nn.ModuleList(ConvNeXtBlock(cfg.dim, cfg.hidden, 1.0 / cfg.encoder_blocks)
                                     for _ in range(cfg.encoder_blocks))
        self.down = nn.ModuleList(nn.Conv1d(cfg.dim, cfg.dim, 4, stride=2, padding=1) for _ in range(steps))
        self.to_code = nn.Linear(cfg.dim, cfg.code_dim)
        self.quantizer = ResidualVQ(cfg.code_dim, cfg.codebooks, cfg.codebook_size, cfg.beta, cfg.decay)
        self.from_code = nn.Linear(cfg.code_dim, cfg.dim)
        self.up = nn.ModuleList(nn.ConvTranspose1d(cfg.dim, cfg.dim, 4, stride=2, padding=1) for _ in range(steps))
        self.decoder = nn.ModuleList(ConvNeXtBlock(cfg.dim, cfg.hidden, 1.0 / cfg.decoder_blocks)
                                     for _ in range(cfg.decoder_blocks))
        self.out_norm = nn.LayerNorm(cfg.dim)
        self.head = nn.Linear(cfg.dim, cfg.n_fft + 2)
        self.register_buffer("window", torch.hann_window(cfg.n_fft), persistent=False)
        self.register_buffer("mel_mean", torch.zeros(cfg.n_mels))
        self.register_buffer("mel_std", torch.ones(cfg.n_mels))

    # --- the Abstraction contract ---------------------------------------------------------------

    @property
    def space(self) -> Space:
        return Space(f"codes-{self.cfg.codebooks}x{self.cfg.codebook_size}", "discrete", (self.cfg.codebooks,),
                     self.cfg.codebook_size)

    @property
    def target_space(self) -> Space:
        return Space(f"waveform-{self.mel.sample_rate}", "continuous", ())

    @torch.no_grad()
    def encode(self, y: torch.Tensor) -> torch.Tensor:
        """Waveform (batch, samples) or (samples,) -> codes (batch, code frames, codebooks) or (code frames, codebooks)."""
        wave = torch.as_tensor(y, dtype=torch.float32)
        single = wave.dim() == 1
        codes = self.codes(self.normalize(log_mel(wave[None] if single else wave, self.mel)))
        return codes[0] if single else codes

    @torch.no_grad()
    def decode(self, y_abs: torch.Tensor) -> torch.Tensor:
        """Codes (batch, code frames, codebooks) or (code frames, codebooks) -> waveform in [-1, 1]."""
        codes = torch.as_tensor(y_abs, dtype=torch.long)
        single = codes.dim() == 2
        wave = self.render(self.quantizer.lookup(codes[None] if single else codes)).clamp(-1.0, 1.0)
        return wave[0] if single else wave

    # --- the network ---------------------------------------------------------------------------

    def set_stats(self, mean: list[float], std: list[float]) -> None:
        """Record the per-bin statistics the training log-mels were normalised with."""
        self.mel_mean.copy_(torch.tensor(mean))
        self.mel_std.copy_(torch.tensor(std))

    def normalize(self, log_mel_frames: torch.Tensor) -> torch.Tensor:
        return (log_mel_frames - self.mel_mean) / self.mel_std

    @property
    def frames_per_second(self) -> float:
        return self.mel.sample_rate / (self.cfg.hop * self.cfg.downsample)

    @property
    def bitrate(self) -> float:
        """Bits per second of the codes."""
        return self.frames_per_second * self.quantizer.bits_per_vector

    def latent(self, cond: torch.Tensor) -> torch.Tensor:
        """Normalised log-mel (batch, frames, n_mels) -> continuous latents (batch, ceil(frames / downsample), code_dim)."""
        frames = cond.shape[1]
        pad = -frames % self.cfg.downsample
        x = self.embed(nn.functional.pad(cond.transpose(1, 2), (0, pad))).transpose(1, 2)
        for block in self.encoder:
            x = block(x)
        x = x.transpose(1, 2)
        for conv in self.down:
            x = nn.functional.gelu(conv(x))
        return self.to_code(x.transpose(1, 2))

    def codes(self, cond: torch.Tensor) -> torch.Tensor:
        """Normalised log-mel (batch, frames, n_mels) -> codes (batch, code frames, codebooks)."""
        return self.quantizer(self.latent(cond))[1]

    def render(self, quantised: torch.Tensor, frames: int | None = None) -> torch.Tensor:
        """Quantised latents (batch, code frames, code_dim) -> waveform (batch, frames * hop); `frames`
        (default: code frames x downsample) trims the mel-rate frames first."""
        x = self.from_code(quantised).transpose(1, 2)
        for conv in self.up:
            x = nn.functional.gelu(conv(x))
        x = x.transpose(1, 2)[:, : frames or None]
        for block in self.decoder:
            x = block(x)
        log_mag, phase = self.head(self.out_norm(x)).transpose(1, 2).chunk(2, dim=1)
        mag = log_mag.exp().clamp_max(MAX_MAGNITUDE)
        spec = torch.complex(mag * torch.cos(phase), mag * torch.sin(phase))
        return torch.istft(spec, self.cfg.n_fft, self.cfg.hop, self.cfg.n_fft, self.window, center=True,
                           length=x.shape[1] * self.cfg.hop)

    def forward(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Normalised log-mel (batch, frames, n_mels) -> (waveform (batch, frames * hop), codes, commitment loss)."""
        quantised, codes, commitment = self.quantizer(self.latent(cond))
        return self.render(quantised, cond.shape[1]), codes, commitment

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """batch: `cond` (batch, frames, n_mels) normalised log-mel, `target` (batch, frames * hop) audio."""
        cond = check_log_mel(batch["cond"], self.cfg.n_mels, self.mel.name)
        audio = batch["target"].float()
        if audio.shape != (cond.shape[0], cond.shape[1] * self.cfg.hop):
            raise RegenError(f"target audio {tuple(audio.shape)} is not aligned with {cond.shape[1]} frames "
                             f"x hop {self.cfg.hop}")
        wave, codes, commitment = self(cond)
        stft = multi_resolution_stft_loss(wave, audio)
        mel_l1 = (log_mel(wave, self.mel) - log_mel(audio, self.mel)).abs().mean()
        usage = self.quantizer.usage(codes)
        return {"loss": stft + self.cfg.mel_weight * mel_l1 + commitment, "stft": stft.detach(),
                "mel_l1": mel_l1.detach(), "commitment": commitment.detach(),
                "perplexity": torch.tensor(sum(u["perplexity"] for u in usage) / len(usage))}

    @torch.no_grad()
    def vocode(self, log_mel_frames: torch.Tensor) -> torch.Tensor:
        """Copy synthesis through the codes: raw log-mel (frames, n_mels) -> waveform in [-1, 1] (frames * hop,)."""
        cond = self.normalize(check_log_mel(torch.as_tensor(log_mel_frames, dtype=torch.float32)[None],
                                            self.cfg.n_mels, self.mel.name))
        wave, _, _ = self(cond)
        return wave[0].clamp(-1.0, 1.0)
