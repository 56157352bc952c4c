"""Iterative samplers, separate from the network: a scheduler says what the network
sees at each step (`prepare`) and how its logits update the canvas (`step`).

Control masks, all (batch, *shape) bool:
- `keep`: positions the user fixes; they always hold the given value and are shown
  to the network as known.
- `focus`: positions allowed to change (default: all). Outside the focus the canvas
  keeps its initial value, shown to the network as known context.
Only positions in `focus & ~keep` can ever differ from the initial canvas.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Literal

import torch

from regen.iterative.schedules import AcceptSchedule, MaskSchedule, accept_probability, mask_probability
from regen.iterative.token_sampling import draw_tokens, filter_logits

Denoiser = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class SamplerConfig:
    """Inference settings (thesis §8.7 defaults, but fewer steps for a CPU).

    method: `unrolled` (SUNMASK/SUNDAE: propose every position, accept with the
    accept schedule) or `gibbs` (Coconet: blank the masked positions and resample
    only those). `eta` is Coconet's 3/4 (printed as "34" in the thesis table).
    """

    method: Literal["unrolled", "gibbs"] = "unrolled"
    steps: int = 256
    temperature: float = 0.6
    typical: float = 0.95
    top_k: int = 3
    top_p: float = 1.0
    gumbel: bool = False
    mask_schedule: MaskSchedule = "annealed"
    mask_max: float = 0.999
    mask_min: float = 0.001
    eta: float = 0.75
    mask_constant: float = 0.5
    accept_schedule: AcceptSchedule = "triangular"
    accept_constant: float = 1.0
    intermediate_noise: bool = False

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError("steps must be >= 1")
        if not 0 < self.temperature < float("inf"):
            raise ValueError(f"temperature must be a positive number, got {self.temperature}")
        if not (0 <= self.typical <= 1 and 0 < self.top_p <= 1 and self.top_k >= 0):
            raise ValueError("typical must lie in [0, 1] (0 disables), top_p in (0, 1] and top_k must be >= 0")


@dataclass
class SamplerState:
    """The canvas being refined: tokens (batch, *shape), the frozen positions and their values."""

    tokens: torch.Tensor
    frozen: torch.Tensor
    frozen_values: torch.Tensor
    steps: int
    n: int = 0


class Scheduler(ABC):
    """Step-by-step update rule; knows nothing about the network."""

    def __init__(self, cfg: SamplerConfig, vocab: int, generator: torch.Generator) -> None:
        self.cfg = cfg
        self.vocab = vocab
        self.generator = generator
        self._masked: torch.Tensor | None = None

    def hidden(self, state: SamplerState) -> torch.Tensor:
        """This step's mask proposal: True where the network is told not to trust a position."""
        c = self.cfg
        p = mask_probability(c.mask_schedule, state.n, state.steps, c.mask_max, c.mask_min, c.eta, c.mask_constant)
        rand = torch.rand(state.tokens.shape, generator=self.generator, device=state.tokens.device)
        return (rand < p) & ~state.frozen

    def propose(self, state: SamplerState, logits: torch.Tensor, where: torch.Tensor) -> torch.Tensor:
        """`state.tokens` with a filtered draw from logits (batch, *shape, vocab) at the positions
        `where` (batch, *shape) bool; frozen positions hold their frozen values. Only the drawn
        positions are filtered, so a step costs in proportion to what it may change."""
        c = self.cfg
        where = where & ~state.frozen
        tokens = torch.where(state.frozen, state.frozen_values, state.tokens)
        if where.any():
            z = filter_logits(logits[where][:, :self.vocab], c.temperature, c.top_k, c.top_p, c.typical)
            tokens[where] = draw_tokens(z, self.generator, c.gumbel)
        return tokens

    @abstractmethod
    def prepare(self, state: SamplerState) -> tuple[torch.Tensor, torch.Tensor]:
        """Network inputs for this step: tokens (batch, *shape) and known (batch, *shape) float."""

    @abstractmethod
    def step(self, state: SamplerState, logits: torch.Tensor) -> None:
        """Update `state.tokens` in place from logits (batch, *shape, vocab); advances `state.n`."""


class UnrolledScheduler(Scheduler):
    """SUNMASK/SUNDAE: every position gets a proposal, accepted with the accept schedule."""

    def prepare(self, state: SamplerState) -> tuple[torch.Tensor, torch.Tensor]:
        self._masked = self.hidden(state)
        tokens = state.tokens
        if self.cfg.intermediate_noise:
            noise = torch.randint(0, self.vocab, tokens.shape, generator=self.generator, device=tokens.device)
            tokens = torch.where(self._masked, noise, tokens)
        return tokens, (~self._masked).float()

    def step(self, state: SamplerState, logits: torch.Tensor) -> None:
        c = self.cfg
        p = accept_probability(c.accept_schedule, state.n, state.steps, c.accept_constant)
        accept = torch.rand(state.tokens.shape, generator=self.generator, device=state.tokens.device) < p
        # Only positions the network was told not to trust may change: with a masked loss (SUNMASK) its
        # outputs at known positions are untrained; the training unroll resets them to the data likewise.
        state.tokens = self.propose(state, logits, accept & self._masked)
        state.n += 1


class GibbsScheduler(Scheduler):
    """Coconet's annealed blocked Gibbs sampling: blank the masked positions (absorbing
    token `vocab`) and resample only them."""

    def prepare(self, state: SamplerState) -> tuple[torch.Tensor, torch.Tensor]:
        self._masked = self.hidden(state)
        empty = ~self._masked.flatten(1).any(1)
        if empty.any():  # resample at least one free position per example
            free = (~state.frozen).flatten(1).float() + 1e-6
            pick = torch.multinomial(free, 1, generator=self.generator).squeeze(1)
            flat = self._masked.flatten(1).clone()
            flat[empty, pick[empty]] = True
            self._masked = flat.view_as(self._masked)
        tokens = torch.where(self._masked, torch.full_like(state.tokens, self.vocab), state.tokens)
        return tokens, (~self._masked).float()

    def step(self, state: SamplerState, logits: torch.Tensor) -> None:
        state.tokens = self.propose(state, logits, self._masked)
        state.n += 1


def make_scheduler(cfg: SamplerConfig, vocab: int, generator: torch.Generator) -> Scheduler:
    """The scheduler named by `cfg.method`."""
    return (GibbsScheduler if cfg.method == "gibbs" else UnrolledScheduler)(cfg, vocab, generator)


@torch.no_grad()
def run_sampler(net: Denoiser, cfg: SamplerConfig, vocab: int, init: torch.Tensor,
                keep: torch.Tensor | None = None, focus: torch.Tensor | None = None, seed: int = 0,
                randomize: bool = True, callback: Callable[[SamplerState], None] | None = None) -> torch.Tensor:
    """Refine `init` (batch, *shape) tokens for `cfg.steps` steps; returns the final tokens.

    With `randomize`, positions free to change start as uniform noise (the prior p0);
    otherwise they start from `init`. `keep`/`focus` as in the module docstring.
    """
    generator = torch.Generator(device=init.device).manual_seed(seed)
    keep = torch.zeros_like(init, dtype=torch.bool) if keep is None else keep.bool()
    focus = torch.ones_like(init, dtype=torch.bool) if focus is None else focus.bool()
    frozen = keep | ~focus
    tokens = init.clone()
    if randomize:
        noise = torch.randint(0, vocab, init.shape, generator=generator, device=init.device)
        tokens = torch.where(frozen, init, noise)
    state = SamplerState(tokens, frozen, init.clone(), cfg.steps)
    scheduler = make_scheduler(cfg, vocab, generator)
    for _ in range(cfg.steps):
        tokens_in, known = scheduler.prepare(state)
        scheduler.step(state, net(tokens_in, known))
        if callback is not None:
            callback(state)
    return state.tokens
