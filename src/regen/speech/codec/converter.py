"""Text -> learned speech codes: the duration-based converter with a masked code denoiser in place of
its mel decoder (the paper's "Sound: latent code" Y'; MaskGIT / SUNMASK-style iterative decoding).

    text side    the duration model's phone encoder, speakers, MAS aligner and duration / pitch / energy
                 predictors (`regen.speech.tts.duration.model`), trained the same way: the alignment
                 of a training utterance is found on its log-mel, the predictors learn from it
    regulator    symbol states repeated for their mel frames, then averaged over each code frame's
                 `downsample` mel frames                                   (batch, code frames, hidden)
    denoiser     per code frame, the sum of an embedding of each codebook's token (or of the absorbing
                 token) and of a 'known' flag, plus the regulated state; FFT blocks over the code
                 frames; a linear layer to every codebook's logits    (batch, code frames, codebooks, size)
    loss         the masked, re-weighted denoising loss of `regen.iterative` (`model.denoising`: sunmask or
                 coconet; sundae scores every position, padding included, and is refused) on the codes the
                 frozen codec gives the utterance's log-mel (its padding read as silence), padded code
                 frames kept out; plus the duration model's alignment and variance losses
    sampling     `regen.iterative.sampler` from uniform noise: SUNMASK proposes every token and accepts by
                 the triangular schedule, Coconet resamples the blanked ones (Gibbs)

The codec (`regen.speech.codec.model.SpeechCodec`, `model.codec` sizes) is part of this module, frozen:
its encoder makes the training targets and its decoder is the renderer, so a checkpoint speaks alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from regen.core.errors import RegenError
from regen.core.space import Space
from regen.iterative.corruption import draw_known_mask
from regen.iterative.denoising_loss import PRESETS, denoising_loss
from regen.iterative.sampler import SamplerConfig, run_sampler
from regen.speech.align.mas import durations_to_path
from regen.speech.codec.model import CodecConfig, SpeechCodec
from regen.speech.features.mel import load_mel_config
from regen.core.stage import Stage
from regen.speech.tts.duration.model import DurationConfig, DurationTTS


@dataclass
class CodesTTSConfig(DurationConfig):
    """The duration model's sizes and switches (its `decoder_layers` FFT blocks run over the code frames;
    set `postnet_layers: 0`), the codec's (`codec`), the codec checkpoint whose weights training starts
    from (`codec_checkpoint`) and the denoising preset."""

    codec: CodecConfig = field(default_factory=CodecConfig)
    codec_checkpoint: str = "runs/codec/checkpoint"
    denoising: str = "sunmask"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.denoising not in ("sunmask", "coconet"):
            raise ValueError(f"denoising must be sunmask or coconet (sundae's loss would score the padding), "
                             f"got '{self.denoising}'")
        if self.decoder != "regression" or self.postnet_layers:
            raise ValueError("the code denoiser replaces the mel decoder: keep decoder: regression, postnet_layers: 0")


@dataclass
class GeneratedCodes:
    """Codes (batch, code frames, codebooks), valid up to `lengths` (batch,) code frames; `alignment` (batch,
    mel frames, symbols), the hard path of the predicted durations; `mel_lengths` (batch,) mel frames."""

    codes: torch.Tensor
    lengths: torch.Tensor
    alignment: torch.Tensor
    mel_lengths: torch.Tensor


class CodesTTS(DurationTTS):
    """Phones -> codes converter Stage; see the module docstring. Training batches are the duration
    model's (`cond`, `target` raw log-mel, `target_lengths`, `pitch`, `speaker`)."""

    def __init__(self, cfg: CodesTTSConfig) -> None:
        if cfg.codec.n_mels != cfg.n_mels:
            raise RegenError(f"model.codec.n_mels {cfg.codec.n_mels} differs from model.n_mels {cfg.n_mels}")
        super().__init__(cfg)
        d, k, v = cfg.hidden, cfg.codec.codebooks, cfg.codec.codebook_size
        self.codec = SpeechCodec(cfg.codec, load_mel_config(cfg.codec.mel))
        self.codec.requires_grad_(False)
        self.codec.eval()
        self.spec = PRESETS[cfg.denoising]
        self.code_embed = nn.Embedding(k * (v + 1), d)  # per codebook: its tokens and the absorbing one
        self.known_embed = nn.Parameter(torch.zeros(k, d))
        self.to_codes = nn.Linear(d, k * v)
        self.register_buffer("code_offsets", torch.arange(k) * (v + 1), persistent=False)
        self.last_codes: GeneratedCodes | None = None

    @property
    def output_space(self) -> Space:
        return self.codec.space

    def train(self, mode: bool = True) -> "CodesTTS":
        super().train(mode)
        self.codec.eval()  # frozen: its codebooks never move
        return self

    def code_frames(self, frames: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Regulated states (batch, mel frames, hidden) and their lengths -> states averaged over each code
        frame's mel frames (batch, code frames, hidden) and the code frames' mask (batch, code frames)."""
        step = self.cfg.codec.downsample
        pad = -frames.shape[1] % step
        frames = nn.functional.pad(frames, (0, 0, 0, pad))
        valid = (torch.arange(frames.shape[1], device=frames.device)[None] < lengths[:, None]).to(frames.dtype)
        summed = (frames * valid[..., None]).view(frames.shape[0], -1, step, frames.shape[-1]).sum(2)
        pooled = summed / valid.view(len(valid), -1, step).sum(2).clamp_min(1)[..., None]  # a partial last frame too
        code_lengths = (lengths + step - 1) // step
        return pooled, torch.arange(pooled.shape[1], device=frames.device)[None] < code_lengths[:, None]

    def code_logits(self, tokens: torch.Tensor, known: torch.Tensor, states: torch.Tensor,
                    mask: torch.Tensor) -> torch.Tensor:
        """tokens (batch, code frames, codebooks) in [0, size] (size: absorbed), known (same shape) float,
        states (batch, code frames, hidden), mask (batch, code frames) -> logits (batch, code frames,
        codebooks, size)."""
        x = self.code_embed(tokens + self.code_offsets) + known[..., None] * self.known_embed
        x = (x.sum(2) + states) * mask[..., None]
        out = self.to_codes(self.decoder(x, mask))
        return out.view(*tokens.shape, self.cfg.codec.codebook_size)

    @torch.no_grad()
    def target_codes(self, raw_mel: torch.Tensor) -> torch.Tensor:
        """Raw log-mel (batch, frames, n_mels) -> the frozen codec's codes (batch, code frames, codebooks).
        The codec is put in evaluation mode first: a trainer that restores each module's own mode must not
        let its codebooks move."""
        self.codec.eval()
        return self.codec.codes(self.codec.normalize(raw_mel.float()))

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The denoising loss of the utterances' codes (`codes`), the alignment and variance losses; `loss` sums them."""
        taught = self.teach(batch)
        frames, _ = self.variances(taught, batch)
        losses = taught.losses
        lengths = taught.frame_mask.sum(-1)
        states, code_mask = self.code_frames(frames, lengths)
        silence = math.log(self.codec.mel.log_floor)  # the codec reads padding as silence, not as log-mel 0
        raw = torch.where(taught.frame_mask[..., None], self.denormalize(taught.mel), torch.full_like(taught.mel, silence))
        codes = self.target_codes(raw)[:, : states.shape[1]]
        known = draw_known_mask(tuple(codes.shape), device=codes.device) | ~code_mask[..., None]

        denoised = denoising_loss(lambda tokens, known_in: self.code_logits(tokens, known_in, states, code_mask),
                                  codes, self.cfg.codec.codebook_size, self.spec, known=known)
        losses["codes"] = denoised["loss"]
        total = sum(losses.values())
        return {"loss": total, **{k: v.detach() for k, v in losses.items()}, "code_nll": denoised["nll_1"].detach()}

    def default_sampler(self, steps: int, temperature: float) -> SamplerConfig:
        """The sampler of the denoising preset: Gibbs with blanking (coconet), no masks (sundae), unrolled (sunmask)."""
        if self.spec.corruption == "absorb":
            return SamplerConfig(method="gibbs", steps=steps, temperature=temperature)
        if not self.spec.mask_input:
            return SamplerConfig(mask_schedule="none", steps=steps, temperature=temperature)
        return SamplerConfig(steps=steps, temperature=temperature)

    @torch.no_grad()
    def generate_codes(self, cond: torch.Tensor, speaker: torch.Tensor, rate: float = 1.0, pitch_shift: float = 0.0,
                       steps: int = 16, temperature: float = 0.7, seed: int = 0) -> GeneratedCodes:
        """cond (batch, symbols, 3), speaker (batch,) -> `GeneratedCodes` drawn in `steps` denoising steps."""
        frames, lengths, durations = self.predict_frames(cond, speaker, rate, pitch_shift)
        states, code_mask = self.code_frames(frames, lengths)
        shape = (*code_mask.shape, self.cfg.codec.codebooks)
        padded = ~code_mask[..., None].expand(shape)
        init = torch.full(shape, self.cfg.codec.codebook_size if self.spec.corruption == "absorb" else 0,
                          dtype=torch.long, device=states.device)

        def net(tokens: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
            return self.code_logits(tokens.clamp_max(self.cfg.codec.codebook_size),
                                    known if self.spec.mask_input else torch.zeros_like(known), states, code_mask)

        codes = run_sampler(net, self.default_sampler(steps, temperature), self.cfg.codec.codebook_size, init,
                            keep=padded, seed=seed).clamp_max(self.cfg.codec.codebook_size - 1)
        return GeneratedCodes(codes * code_mask[..., None], code_mask.sum(-1), durations_to_path(
            durations, frames.shape[1]).transpose(1, 2), lengths)

    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """(batch, symbols, 3) -> codes (batch * n, code frames, codebooks); controls `voice`, `rate`,
        `pitch_shift`, `steps`, `temperature`, `seed`. The last call's `GeneratedCodes` is kept in
        `self.last_codes`."""
        unknown = set(controls) - {"voice", "rate", "pitch_shift", "steps", "temperature", "seed"}
        if unknown:
            raise RegenError(f"unknown control(s) {', '.join(sorted(unknown))}; this model takes voice, rate, "
                             "pitch_shift, steps, temperature, seed")
        cond = cond.repeat_interleave(n, dim=0)
        speaker = self.speaker_index(controls.get("voice"), len(cond))
        out = self.generate_codes(cond, speaker, float(controls.get("rate", 1.0)),
                                  float(controls.get("pitch_shift", 0.0)), int(controls.get("steps", 16)),
                                  float(controls.get("temperature", 0.7)), int(controls.get("seed", 0)))
        self.last_codes = out
        return out.codes


class CodecRenderer(Stage):
    """The renderer Stage Y' (codes) -> Y (waveform): the codec's decoder (nothing of its own to train)."""

    def __init__(self, codec: SpeechCodec) -> None:
        super().__init__()
        self.codec = codec

    @property
    def input_space(self) -> Space:
        return self.codec.space

    @property
    def output_space(self) -> Space:
        return self.codec.target_space

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return self.codec.loss(batch)

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """codes (batch, code frames, codebooks) -> waveform (batch * n, code frames * downsample * hop)."""
        return self.codec.decode(cond.repeat_interleave(n, 0))
