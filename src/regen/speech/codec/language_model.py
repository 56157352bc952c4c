"""A language model of speech codes, learned from unpaired audio: prompted continuation (AudioLM's use of
its codes, here with the SUNMASK family of `regen.iterative` instead of an autoregressive stack).

    tokens     windows of `window` code frames of the frozen codec (batch, window, codebooks), from
               every training utterance of every voice (no text)
    network    per frame, the sum of an embedding of each codebook's token (or the absorbing one) and
               of a 'known' flag; FFT blocks with attention over the frames (positions added); a
               linear layer to every codebook's logits          (batch, window, codebooks, size)
    training   the masked denoising loss of the `objective` preset (sunmask, coconet, sundae)
    continue   the prompt's codes kept, the frames after them drawn by the sampler; a continuation
               longer than a window goes on window by window, each keeping the last `window / 2`
               frames of what came before, and the codec's decoder renders the whole

Shapes: a window (batch, window, codebooks) int64 in [0, size); `continue_codes` takes the prompt's codes
(frames, codebooks) and returns (frames + new frames, codebooks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from regen.core.errors import RegenError
from regen.core.space import Space
from regen.iterative.denoiser import MaskedDenoiser
from regen.iterative.denoising_loss import PRESETS
from regen.iterative.sampler import SamplerConfig
from regen.speech.codec.model import CodecConfig, SpeechCodec
from regen.speech.features.mel import load_mel_config
from regen.speech.tts.duration.layers import FFTStack


@dataclass
class CodesLMConfig:
    """Sizes of the code language model, its denoising preset, the codec's sizes (`codec`, a copy of the
    codec checkpoint's model section) and that checkpoint (`codec_checkpoint`)."""

    window: int = 256
    dim: int = 192
    layers: int = 4
    heads: int = 2
    filter: int = 512
    kernel: int = 3
    dropout: float = 0.1
    objective: str = "sunmask"
    codec: CodecConfig = field(default_factory=CodecConfig)
    codec_checkpoint: str = "runs/codec-tiny/checkpoint"

    def __post_init__(self) -> None:
        if min(self.window, self.dim, self.layers, self.filter, self.kernel) < 1 or self.heads < 0:
            raise ValueError("window, dim, layers, filter and kernel must be >= 1 and heads >= 0")
        if self.window < 8:
            raise ValueError(f"window must hold at least 8 code frames, got {self.window}")
        if self.objective not in PRESETS:
            raise ValueError(f"objective must be one of {', '.join(PRESETS)}, got '{self.objective}'")


class CodeNet(nn.Module):
    """(tokens, known) (batch, frames, codebooks) -> logits (batch, frames, codebooks, size)."""

    def __init__(self, cfg: CodesLMConfig) -> None:
        super().__init__()
        k, v = cfg.codec.codebooks, cfg.codec.codebook_size
        self.size = v
        self.embed = nn.Embedding(k * (v + 1), cfg.dim)
        self.known = nn.Parameter(torch.zeros(k, cfg.dim))
        self.blocks = FFTStack(cfg.layers, cfg.dim, cfg.heads, cfg.filter, cfg.kernel, cfg.dropout)
        self.head = nn.Linear(cfg.dim, k * v)
        self.register_buffer("offsets", torch.arange(k) * (v + 1), persistent=False)

    def forward(self, tokens: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        x = (self.embed(tokens.clamp_max(self.size) + self.offsets) + known[..., None] * self.known).sum(2)
        mask = torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)
        return self.head(self.blocks(x, mask)).view(*tokens.shape, self.size)


class CodesLM(MaskedDenoiser):
    """Code windows, completed by masked denoising; holds its frozen codec (see the module docstring)."""

    def __init__(self, cfg: CodesLMConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.spec = PRESETS[cfg.objective]
        self.vocab = cfg.codec.codebook_size
        self.net = CodeNet(cfg)
        self.codec = SpeechCodec(cfg.codec, load_mel_config(cfg.codec.mel))
        self.codec.requires_grad_(False)
        self.codec.eval()

    def train(self, mode: bool = True) -> "CodesLM":
        super().train(mode)
        self.codec.eval()  # frozen: its codebooks never move
        return self

    @property
    def input_space(self) -> Space:
        return Space(f"partial-{self.codec.space.name}", "discrete", (self.cfg.window, self.cfg.codec.codebooks),
                     self.vocab + 1)

    @property
    def output_space(self) -> Space:
        return Space(self.codec.space.name, "discrete", (self.cfg.window, self.cfg.codec.codebooks), self.vocab)

    def sampler(self, steps: int, temperature: float) -> SamplerConfig:
        """The preset's sampler (`MaskedDenoiser.default_sampler`) with `steps` and `temperature`."""
        base = self.default_sampler()
        base.steps, base.temperature = steps, temperature
        return base

    @torch.no_grad()
    def continue_codes(self, prompt: torch.Tensor, frames: int, steps: int = 24, temperature: float = 0.8,
                       seed: int = 0) -> torch.Tensor:
        """The prompt's codes (prompt frames, codebooks) followed by `frames` new code frames drawn by the
        sampler, window by window: (prompt frames + frames, codebooks)."""
        window, keep_frames = self.cfg.window, self.cfg.window // 2
        if len(prompt) < 1 or frames < 1:
            raise RegenError("continuation needs at least one code frame of prompt and one to draw")
        codes = prompt.long().to(self.codec.window.device)
        part = 0
        while len(codes) < len(prompt) + frames:
            context = codes[-min(len(codes), keep_frames if part else window - 1):]
            new = min(window - len(context), len(prompt) + frames - len(codes))
            grid = torch.zeros(1, len(context) + new, codes.shape[1], dtype=torch.long, device=codes.device)
            grid[0, : len(context)] = context
            keep = torch.zeros_like(grid, dtype=torch.bool)
            keep[0, : len(context)] = True
            drawn = self.sample(grid, keep=keep, sampler=self.sampler(steps, temperature), seed=seed + part)[0]
            codes = torch.cat([codes, drawn[len(context):]])
            part += 1
        return codes
