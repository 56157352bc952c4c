"""R-MelNet (thesis ch. 6): text -> first-tier (low-resolution) log-mel, one-tier MelNet.

The converter X -> Y' of speech, interchangeable with `regen.speech.tts.repmix`:
same text `cond` (batch, length, 3) [char_id, phone_id, mask] (`text_to_cond`,
`pack_text`), same `generate`/`sample` controls and `last_generated` alignment.

    target       the first MelNet tier of a normalised log-mel: every 4th frame and
                 every 8th bin, (448, 256) -> (112, 32) (`regen.speech.features.mel.first_tier`)
    text         representation-mixing embeddings -> bidirectional LSTM (no convs)
    network      `layers` residual layers of time-delayed, centralized and
                 frequency-delayed GRU stacks (`regen.speech.tts.rmelnet_layers`); the
                 mixture-of-logistics attention (eqs. 6.1-6.10, `regen.nn.mol_attention`)
                 sits after the middle layer's centralized stack, driven by a GRU on
                 [centralized state, previous context]; its projected context is added
                 to that layer's time-delayed and centralized outputs, so it conditions
                 every later bin. A linear head predicts each bin; the loss is MSE with
                 teacher forcing over (time, frequency).
    sampling     noisy multi-sample inference (ch. 6.2.5): Q copies of each candidate
                 run in the batch; after every bin their predictions are averaged to mu,
                 sigma_r ~ U(0, R) is drawn, and each copy is fed its own draw from a
                 Gaussian(mu, sigma_r) truncated at +-`truncate` sigma. K candidates use
                 R spread evenly over [noise_min, noise_max]; `regen.speech.tts.rerank` keeps
                 the one whose averaged attention is best formed (ch. 6.2.6). All texts x
                 candidates x copies advance as one batch, one frame per step (`next_row`,
                 then `rmelnet_layers.BinSampler` bin by bin), until every candidate has stopped.
    up-sampling  `upsample_first_tier`: linear interpolation in time and frequency back
                 to the full mel grid (the thesis interpolates time only and leaves the
                 rest to a WaveRNN; frequency interpolation is this library's simplification).

Mixed precision: `autocast` runs the network under torch.autocast (bf16 by default);
the attention computes in float32 internally, the loss is taken in float32.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from regen.core.errors import RegenError
from regen.core.space import Space
from regen.nn.attention_prior import diagonal_penalty
from regen.nn.mol_attention import MoLAttention
from regen.speech.tts.text_input import pack_text, text_lengths, text_to_cond
from regen.speech.tts.rerank import AlignmentReport, reached_end, rerank
from regen.speech.tts.rmelnet_layers import (BinSampler, CentralizedLayer, FrequencyDelayedLayer, FusedGRU,
                                             MixedTextEncoder, TimeDelayedLayer)
from regen.speech.tts.stage import Generated, TTSStage

__all__ = ["RMelNet", "RMelNetConfig", "Candidates",
           "upsample_first_tier", "pack_text", "text_to_cond"]


@dataclass
class RMelNetConfig:
    """Network and sampling settings; defaults are the thesis sizes (`configs/speech/rmelnet-paper.yaml`)."""

    mel: str = "rmelnet"
    tier_bins: int = 32
    time_factor: int = 4
    freq_factor: int = 8
    embed_dim: int = 256
    enc_hidden: int = 128
    hidden: int = 256
    layers: int = 5
    mixtures: int = 10
    attn_cdf: Literal["fast_tanh", "logistic"] = "fast_tanh"
    output: Literal["tier1", "full"] = "tier1"
    autocast: bool = False
    autocast_dtype: Literal["bfloat16", "float16"] = "bfloat16"
    candidates: int = 4
    copies: int = 100
    noise_min: float = 0.0
    noise_max: float = 0.33
    truncate: float = 2.0
    guided_attention: float = 0.0
    guided_width: float = 0.2

    def __post_init__(self) -> None:
        if min(self.tier_bins, self.time_factor, self.freq_factor, self.embed_dim, self.enc_hidden, self.hidden,
               self.layers, self.mixtures, self.candidates, self.copies) < 1:
            raise ValueError("all sizes and counts must be >= 1")
        if not 0 <= self.noise_min <= self.noise_max:
            raise ValueError(f"need 0 <= noise_min <= noise_max, got {self.noise_min}..{self.noise_max}")
        if self.truncate <= 0:
            raise ValueError(f"truncate must be > 0, got {self.truncate}")
        if self.guided_attention < 0 or self.guided_width <= 0:
            raise ValueError("guided_attention must be >= 0 and guided_width > 0")


def _interpolate(x: torch.Tensor, factor: int, dim: int) -> torch.Tensor:
    """Linear interpolation along `dim`: sample i sits at position i * factor; the tail holds the last."""
    n = x.shape[dim]
    pos = torch.arange(n * factor, device=x.device, dtype=torch.float32) / factor
    lo = pos.floor().long().clamp(max=n - 1)
    hi = (lo + 1).clamp(max=n - 1)
    shape = [1] * x.dim()
    shape[dim] = -1
    w = (pos - lo).clamp(0, 1).view(shape).to(x.dtype)
    return x.index_select(dim, lo) * (1 - w) + x.index_select(dim, hi) * w


def upsample_first_tier(low: torch.Tensor, time_factor: int, freq_factor: int) -> torch.Tensor:
    """(batch, frames, bins) -> (batch, frames * time_factor, bins * freq_factor), linear per axis.

    Inverts the grid of `regen.speech.features.mel.first_tier` (which keeps every k-th frame
    and bin): kept values return to their places, the rest are interpolated.
    """
    return _interpolate(_interpolate(low, time_factor, 1), freq_factor, 2)


@dataclass
class RowState:
    """Cached recurrent state of the per-frame stacks (time-delayed, centralized, attention)."""

    time: list[torch.Tensor | None]  # per layer (1, B * F, H)
    central: list[torch.Tensor | None]  # per layer (1, B, H)
    attn_h: torch.Tensor  # (B, H)
    kappa: torch.Tensor  # (B, M)
    context: torch.Tensor  # (B, mem_dim) unprojected attention context


@dataclass
class Candidates:
    """K noisy candidates per text and their reranking.

    mel (batch, K, frames, bins) zero past lengths (batch, K); alignment
    (batch, K, frames, inputs); scores (batch, K) (lower is better, inf = rejected);
    best (batch,) the chosen candidate; noise (K,) each candidate's noise range R.
    """

    mel: torch.Tensor
    lengths: torch.Tensor
    alignment: torch.Tensor
    scores: torch.Tensor
    best: torch.Tensor
    noise: torch.Tensor
    reports: list[list[AlignmentReport]]

    def chosen(self) -> Generated:
        """The best candidate per text: mel (batch, frames, bins), lengths, alignment."""
        rows = torch.arange(self.best.shape[0], device=self.best.device)
        return Generated(self.mel[rows, self.best], self.lengths[rows, self.best], self.alignment[rows, self.best])


class RMelNet(TTSStage):
    """Text (repmix) -> first-tier log-mel converter Stage; see the module docstring.

    Training batch: `cond` (batch, length, 3) int64; `target` either the raw first
    tier (batch, frames, tier_bins) or the full raw log-mel (batch, frames,
    tier_bins * freq_factor), which is reduced with `first_tier`'s grid; optional
    `target_lengths` (batch,) in the target's own frames. The mel statistics
    (`TTSStage`) are those of the full log-mel; the network works in normalised units.
    """

    def __init__(self, cfg: RMelNetConfig) -> None:
        super().__init__(cfg.tier_bins * cfg.freq_factor)
        self.cfg = cfg
        h, bins, mem = cfg.hidden, cfg.tier_bins, 2 * cfg.enc_hidden
        self.encoder = MixedTextEncoder(cfg.embed_dim, cfg.enc_hidden)
        self.in_time = nn.Linear(1, h)
        self.in_central = nn.Linear(bins, h)
        self.in_freq = nn.Linear(1, h)
        self.bin_embed = nn.Parameter(0.02 * torch.randn(bins, h))
        self.time_layers = nn.ModuleList(TimeDelayedLayer(h) for _ in range(cfg.layers))
        self.central_layers = nn.ModuleList(CentralizedLayer(h) for _ in range(cfg.layers))
        self.freq_layers = nn.ModuleList(FrequencyDelayedLayer(h) for _ in range(cfg.layers))
        self.attn_layer = cfg.layers // 2
        self.attn_rnn = nn.GRUCell(h + mem, h)
        self.attention = MoLAttention(h, cfg.mixtures, cfg.attn_cdf)
        self.context_proj = nn.Linear(mem, h)
        self.head = nn.Linear(h, 1)

    @property
    def output_space(self) -> Space:
        if self.cfg.output == "full":
            return Space(f"logmel-{self.cfg.mel}", "continuous", (self.cfg.tier_bins * self.cfg.freq_factor,))
        return Space(f"logmel-{self.cfg.mel}-tier1", "continuous", (self.cfg.tier_bins,))

    def _autocast(self, device: torch.device) -> torch.autocast:
        dtype = torch.bfloat16 if self.cfg.autocast_dtype == "bfloat16" else torch.float16
        return torch.autocast(device_type=device.type, dtype=dtype, enabled=self.cfg.autocast)

    def initial_rows(self, memory: torch.Tensor) -> RowState:
        """All-zero recurrent state (the thesis fixes initial states at zero); attention on token 0."""
        b, dev = memory.shape[0], memory.device
        layers = [None] * self.cfg.layers
        return RowState(list(layers), list(layers), torch.zeros(b, self.cfg.hidden, device=dev),
                        self.attention.init_state(b, dev), torch.zeros(b, memory.shape[-1], device=dev))

    def attend(self, central: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor,
               state: RowState) -> tuple[torch.Tensor, torch.Tensor, RowState]:
        """Attention over frames: central (B, T, H) -> context (B, T, H), weights (B, T, N), state."""
        h, kappa, ctx = state.attn_h, state.kappa, state.context
        contexts, weights = [], []
        for t in range(central.shape[1]):
            h = self.attn_rnn(torch.cat([central[:, t], ctx.to(central.dtype)], -1), h.to(central.dtype))
            ctx, w, kappa = self.attention(h, memory, mask, kappa)
            contexts.append(ctx)
            weights.append(w)
        new = RowState(state.time, state.central, h, kappa, ctx)
        return self.context_proj(torch.stack(contexts, 1)), torch.stack(weights, 1), new

    def row_stacks(self, shifted: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor,
                   state: RowState) -> tuple[list[torch.Tensor], torch.Tensor, RowState]:
        """Time-delayed and centralized stacks plus attention on frames shifted one step late.

        shifted (B, T, F), row t holding x[t-1] -> per-layer conditioning of the
        frequency-delayed stack [(B, T, F, H)] * layers, attention (B, T, N), new state.
        """
        ht = self.in_time(shifted.unsqueeze(-1)) + self.bin_embed
        hc = self.in_central(shifted)
        times, centrals, conds = [], [], []
        align = None
        for k, (tl, cl) in enumerate(zip(self.time_layers, self.central_layers)):
            ht, st = tl(ht, state.time[k])
            hc, sc = cl(hc, state.central[k])
            times.append(st)
            centrals.append(sc)
            if k == self.attn_layer:
                ctx, align, state = self.attend(hc, memory, mask, state)
                ht = ht + ctx.unsqueeze(2)
                hc = hc + ctx
            conds.append(ht + hc.unsqueeze(2))
        assert align is not None
        return conds, align, RowState(times, centrals, state.attn_h, state.kappa, state.context)

    def predict(self, target: torch.Tensor, memory: torch.Tensor,
                mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing over (time, frequency): target (B, T, F) -> predictions (B, T, F), attention (B, T, N)."""
        shifted_time = F.pad(target, (0, 0, 1, 0))[:, :-1]
        shifted_freq = F.pad(target, (1, 0))[..., :-1]
        conds, align, _ = self.row_stacks(shifted_time, memory, mask, self.initial_rows(memory))
        hf = self.in_freq(shifted_freq.unsqueeze(-1)) + self.bin_embed
        for layer, cond in zip(self.freq_layers, conds):
            hf, _ = layer(hf, cond)
        return self.head(hf).squeeze(-1), align

    def tier_target(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch's normalised first-tier target (B, T, F) and its valid-frame mask (B, T) bool."""
        target, lengths = batch["target"], batch.get("target_lengths")
        bins = self.cfg.tier_bins
        if target.dim() != 3 or target.shape[-1] not in (bins, bins * self.cfg.freq_factor):
            raise RegenError(f"target must be (batch, frames, {bins}) first-tier or "
                             f"(batch, frames, {bins * self.cfg.freq_factor}) full mels, got {tuple(target.shape)}")
        if target.shape[-1] != bins:
            target = target[:, :: self.cfg.time_factor, :: self.cfg.freq_factor]
            if lengths is not None:
                lengths = torch.div(lengths + self.cfg.time_factor - 1, self.cfg.time_factor, rounding_mode="floor")
        frames = torch.arange(target.shape[1], device=target.device)[None]
        valid = frames < (lengths.to(target.device)[:, None] if lengths is not None else target.shape[1])
        return self.normalize(target, self.cfg.freq_factor), valid

    @torch.no_grad()
    def teacher_forced_alignment(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Attention (batch, first-tier frames, inputs) while reading the batch's true frames."""
        target, _ = self.tier_target(batch)
        memory, mask = self.encoder(batch["cond"])
        return self.predict(target, memory, mask)[1].float()

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Masked MSE of every first-tier bin given all earlier bins (teacher forcing); with
        `guided_attention` > 0 plus that weight times the diagonal prior's penalty (`target`, `guide`)."""
        target, valid = self.tier_target(batch)
        with self._autocast(target.device):
            memory, mask = self.encoder(batch["cond"])
            pred, align = self.predict(target, memory, mask)
        err = ((pred.float() - target.float()) ** 2).mean(-1)
        mse = (err * valid).sum() / valid.sum().clamp_min(1)
        if self.cfg.guided_attention == 0:
            return {"loss": mse}
        guide = diagonal_penalty(align, mask.sum(-1), valid.sum(-1), width=self.cfg.guided_width)
        return {"loss": mse + self.cfg.guided_attention * guide, "target": mse, "guide": guide}

    def next_row(self, prev: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor, state: RowState,
                 fused: list[FusedGRU]) -> tuple[list[torch.Tensor], torch.Tensor, RowState]:
        """`row_stacks` on one frame, for sampling: prev (N, F) the last frame (zeros at the start)
        -> per-layer conditioning [(N, F, H)] * layers, attention (N, inputs), new state.

        fused: per layer the time-delayed layer's `fuse()`.
        """
        ht = self.in_time(prev.unsqueeze(-1)) + self.bin_embed
        hc = self.in_central(prev)
        times, centrals, conds = [], [], []
        align = None
        for k, (tl, cl) in enumerate(zip(self.time_layers, self.central_layers)):
            ht, st = tl.step(ht, state.time[k], fused[k])
            hc, sc = cl.step(hc, state.central[k])
            times.append(st)
            centrals.append(sc)
            if k == self.attn_layer:
                ctx, align, state = self.attend(hc.unsqueeze(1), memory, mask, state)
                ht = ht + ctx
                hc = hc + ctx[:, 0]
            conds.append(ht + hc.unsqueeze(1))
        assert align is not None
        return conds, align[:, 0], RowState(times, centrals, state.attn_h, state.kappa, state.context)

    @torch.no_grad()
    def noisy_candidates(self, cond: torch.Tensor, max_frames: int = 200, stop_threshold: float = 0.5,
                         tail_frames: int = 0, candidates: int | None = None, copies: int | None = None,
                         noise: tuple[float, float] | None = None) -> Candidates:
        """K noisy candidates per row of cond (batch, length, 3), reranked by attention.

        Each candidate stops `tail_frames` frames after its (copy-averaged) attention
        first reaches the end of the text (`rerank.reached_end` at `stop_threshold`), or
        at `max_frames`.
        """
        if max_frames < 1:
            raise RegenError(f"max_frames must be >= 1, got {max_frames}")
        k = self.cfg.candidates if candidates is None else candidates
        q = self.cfg.copies if copies is None else copies
        lo, hi = (self.cfg.noise_min, self.cfg.noise_max) if noise is None else noise
        if k < 1 or q < 1 or not 0 <= lo <= hi:
            raise RegenError(f"need candidates >= 1, copies >= 1 and 0 <= noise_min <= noise_max, got {k}, {q}, {lo}..{hi}")
        memory, mask = self.encoder(cond)
        b, dev = cond.shape[0], cond.device
        sigma = torch.linspace(lo, hi, k, device=dev) if k > 1 else torch.full((1,), hi, device=dev)
        memory, mask = memory.repeat_interleave(k * q, 0), mask.repeat_interleave(k * q, 0)
        last = (text_lengths(cond) - 1).repeat_interleave(k)  # (B*K,)
        state, prev = self.initial_rows(memory), memory.new_zeros(b * k * q, self.cfg.tier_bins)
        lengths, stop_at = torch.full_like(last, max_frames), torch.full_like(last, -1)
        fused = [layer.fuse() for layer in self.time_layers]
        bin_sampler = BinSampler(self.freq_layers, self.in_freq, self.bin_embed, self.head, b * k, q)
        bins, frames, aligns = self.cfg.tier_bins, [], []
        with self._autocast(dev):
            for t in range(max_frames):
                conds, weights, state = self.next_row(prev.to(memory.dtype), memory, mask, state, fused)
                # Per candidate and bin, a noise level drawn in [0, R_k]; per copy, a truncated normal draw.
                scale = torch.rand(b, k, 1, bins, device=dev) * sigma.view(1, k, 1, 1)
                noise = scale * nn.init.trunc_normal_(torch.empty(b, k, q, bins, device=dev), 0.0, 1.0,
                                                      -self.cfg.truncate, self.cfg.truncate)
                frame, prev = bin_sampler.frame(conds, noise.view(b * k, q, bins))
                weights = weights.float().view(b * k, q, -1).mean(1)
                frames.append(frame)
                aligns.append(weights)
                reached = reached_end(weights, last, stop_threshold) & (stop_at < 0)
                stop_at = torch.where(reached, torch.full_like(stop_at, t), stop_at)
                done = (stop_at >= 0) & (t >= stop_at + tail_frames) & (lengths == max_frames)
                lengths = torch.where(done, torch.full_like(lengths, t + 1), lengths)
                if bool((lengths < max_frames).all()):
                    break
        mel, align = torch.stack(frames, 1), torch.stack(aligns, 1)
        mel = mel * (torch.arange(mel.shape[1], device=dev)[None] < lengths[:, None]).unsqueeze(-1)
        mel, align, lengths = mel.view(b, k, *mel.shape[1:]), align.view(b, k, *align.shape[1:]), lengths.view(b, k)
        tokens = text_lengths(cond)
        reports, best = [], []
        for row in range(b):
            rep, choice = rerank(align[row], lengths[row], int(tokens[row]))
            reports.append(rep)
            best.append(choice)
        scores = torch.tensor([[r.score for r in rep] for rep in reports])
        return Candidates(mel, lengths, align, scores, torch.tensor(best, device=dev), sigma, reports)

    def generate(self, cond: torch.Tensor, **controls: Any) -> Generated:
        """The reranked best of `noisy_candidates(cond, **controls)`, at first-tier resolution."""
        return self.noisy_candidates(cond, **controls).chosen()

    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """(batch, length, 3) -> raw log-mel (batch * n, frames, bins); see `noisy_candidates`.

        With `output: full` the chosen first tier is linearly up-sampled to
        (frames * time_factor, tier_bins * freq_factor). `self.last_candidates` keeps
        every candidate and `self.last_generated` the chosen one (normalised
        first-tier frames).
        """
        found = self.noisy_candidates(cond.repeat_interleave(n, dim=0), **controls)
        self.last_candidates = found
        self.last_generated = found.chosen()
        mel = self.last_generated.mel
        if self.cfg.output == "full":
            return self.denormalize(upsample_first_tier(mel, self.cfg.time_factor, self.cfg.freq_factor))
        return self.denormalize(mel, self.cfg.freq_factor)
