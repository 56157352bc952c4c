"""The three token stages of lyrics -> melody, each a `TokenARStage` that obeys a grammar.

`MelodyGrammar` says, for every output position and a given condition, whether the token is
forced (copied from the condition, [PAD] past the last syllable or note, the first note's rest
of 0), derived (the position in the bar of every note after the first: previous position +
previous duration + this rest, modulo the bar) or drawn, and from which kind of token:

| role      | condition -> output   | drawn per note                         |
| converter | lyrics -> template    | rest (not the first), first position, duration, harmony |
| renderer  | template -> melody    | pitch only: rest, position, duration and phrase end are copied from the template |
| direct    | lyrics -> melody      | rest (not the first), first position, duration + phrase end, pitch |

Training computes the loss on drawn positions only, with the logits restricted to the allowed
kind (and a first position inside the bar), exactly as sampling draws them; so a renderer's
melody has the template's rhythm by construction, and every stage writes one note per syllable.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
import torch.nn.functional as F

from regen.core.token_stage import NetConfig, TokenARStage
from regen.iterative.token_sampling import draw_tokens, filter_logits
from regen.music.melody.segments import METERS, bar_ticks
from regen.music.melody.tokens import KINDS, LYRICS, NOTES, PAD, PREFIX, SLOTS, TEMPLATE, TokenVocab

Role = Literal["converter", "renderer", "direct"]
FORCED, DERIVED = -1, -2
_BLOCKED = -1e9


class MelodyGrammar:
    """Forced, derived and drawn positions of one role's output for a sequence of `length` notes."""

    def __init__(self, role: Role, length: int) -> None:
        self.role, self.length = role, length
        self.source: TokenVocab = TEMPLATE if role == "renderer" else LYRICS
        self.target: TokenVocab = TEMPLATE if role == "converter" else NOTES
        self.slot_kinds = ("rest", "pos", "dur", "harm") if role == "converter" else ("rest", "pos", "dur_end", "pitch")
        allowed = torch.zeros(len(KINDS), self.target.size, dtype=torch.bool)
        for kind in self.target.kinds:
            allowed[KINDS.index(kind), list(self.target.ids(kind))] = True
        self.allowed = allowed
        self.bars = torch.tensor([bar_ticks(m) for m in METERS])

    @property
    def source_slots(self) -> int:
        return SLOTS if self.role == "renderer" else 1

    def alignment(self) -> torch.Tensor:
        """(PREFIX + SLOTS * length,) the condition position each output position reads: the prefix its
        prefix, a note its syllable (lyrics) or the same position (template)."""
        t = torch.arange(PREFIX + SLOTS * self.length)
        if self.role == "renderer":
            return t
        return torch.where(t < PREFIX, t, PREFIX + (t - PREFIX) // SLOTS)

    def _translate(self, tokens: torch.Tensor, kind: str) -> torch.Tensor:
        """Source tokens of `kind` as the target's tokens of the same kind and value."""
        return self.target.offset[kind] + self.source.value_of[tokens]

    def plan(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(forced, kinds), each (batch, PREFIX + SLOTS * length) for cond (batch, source length):
        forced holds the token of forced positions (else PAD); kinds holds FORCED, DERIVED or the
        `KINDS` index of the token drawn there."""
        batch, n = cond.shape[0], self.length
        forced = torch.zeros(batch, PREFIX + SLOTS * n, dtype=torch.long)
        kinds = torch.full_like(forced, FORCED)
        forced[:, 0] = self._translate(cond[:, 0], "key")
        forced[:, 1] = self._translate(cond[:, 1], "meter")
        body_forced = forced[:, PREFIX:].view(batch, n, SLOTS)
        body_kinds = kinds[:, PREFIX:].view(batch, n, SLOTS)
        if self.role == "renderer":
            notes = cond[:, PREFIX:].view(batch, n, SLOTS)
            present = notes[:, :, 0] != PAD
            duration = self.source.value_of[notes[:, :, 2]]
            cadence = self.source.value_of[notes[:, :, 3]] % 3
            copied = torch.stack([self._translate(notes[:, :, 0], "rest"), self._translate(notes[:, :, 1], "pos"),
                                  self.target.offset["dur_end"] + 2 * duration + (cadence > 0).long(),
                                  torch.zeros_like(duration)], -1)
            body_forced.copy_(torch.where(present[..., None], copied, PAD))
            body_kinds[:, :, 3] = torch.where(present, KINDS.index("pitch"), FORCED)
            return forced, kinds
        present = cond[:, PREFIX:PREFIX + n] != PAD
        free = torch.tensor([KINDS.index(k) for k in self.slot_kinds])
        body_kinds.copy_(torch.where(present[..., None], free, FORCED))
        body_kinds[:, 1:, 1] = torch.where(present[:, 1:], DERIVED, FORCED)
        body_kinds[:, 0, 0] = FORCED
        body_forced[:, 0, 0] = torch.where(present[:, 0], self.target.id("rest", 0), PAD)
        return forced, kinds

    def masks(self, kinds: torch.Tensor, meters: torch.Tensor) -> torch.Tensor:
        """(batch, positions, target vocab) bool: the tokens a drawn position may take (others: none);
        a first position must lie inside the bar of `meters` (batch,) (target meter tokens)."""
        mask = self.allowed[kinds.clamp(min=0)] & (kinds >= 0)[..., None]
        bars = self.bars[self.target.value_of[meters]]
        pos = self.target.ids("pos")
        inside = torch.arange(len(pos))[None, :] < bars[:, None]
        is_pos = kinds == KINDS.index("pos")
        mask[..., pos.start:pos.stop] &= ~is_pos[..., None] | inside[:, None, :]
        return mask

    def derived(self, out: torch.Tensor, t: int) -> torch.Tensor:
        """(batch,) the position token at output index t (a note's position slot) from the previous note's
        position and duration and this note's rest in `out` (batch, >= t)."""
        value = self.target.value_of
        duration = value[out[:, t - 3]] + 1 if self.role == "converter" else value[out[:, t - 3]] // 2 + 1
        bars = self.bars[value[out[:, 1]]]
        return self.target.offset["pos"] + (value[out[:, t - SLOTS]] + duration + value[out[:, t - 1]]) % bars


class MelodyStage(TokenARStage):
    """A prefix transformer stage whose outputs follow its `MelodyGrammar` (see the module docstring).

    cond: (batch, PREFIX + length) lyrics or (batch, PREFIX + SLOTS * length) template tokens;
    output: (batch, PREFIX + SLOTS * length) template or melody tokens.
    """

    def __init__(self, role: Role, length: int, net: NetConfig) -> None:
        grammar = MelodyGrammar(role, length)
        super().__init__(grammar.source.space(length, grammar.source_slots), grammar.target.space(length, SLOTS),
                         net.d_model, net.layers, net.heads, net.dropout, grammar.alignment())
        self.grammar = grammar

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """{'loss'}: token cross-entropy of `target` (batch, length) given `cond` (batch, cond_length),
        the positions the grammar draws, each scored only over the ids its slot allows."""
        cond, target = batch["cond"], batch["target"]
        _, kinds = self.grammar.plan(cond.cpu())
        kinds = kinds.to(target.device)
        mask = self.grammar.masks(kinds.cpu(), target[:, 1].cpu()).to(target.device)
        logits = self.net.logits(cond, target).masked_fill(~mask, _BLOCKED)
        drawn = kinds >= 0
        return {"loss": F.cross_entropy(logits[drawn], target[drawn])}

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, temperature: float = 1.0, top_k: int = 0,
               **controls: Any) -> torch.Tensor:
        """(batch * n, PREFIX + SLOTS * length) outputs drawn left to right under the grammar."""
        if controls:
            raise TypeError(f"unknown sampling controls {sorted(controls)}; use temperature or top_k")
        cond = cond.repeat_interleave(n, 0)
        forced, kinds = self.grammar.plan(cond.cpu())
        out = forced.to(cond.device)
        mask = self.grammar.masks(kinds, forced[:, 1]).to(cond.device)
        kinds = kinds.to(cond.device)
        for t in range(out.shape[1]):
            derived = kinds[:, t] == DERIVED
            if derived.any():
                out[derived, t] = self.grammar.derived(out[derived].cpu(), t).to(out.device)
            drawn = kinds[:, t] >= 0
            if drawn.any():
                logits = self.net.logits(cond[drawn], out[drawn, : t + 1])[:, t].masked_fill(~mask[drawn, t], _BLOCKED)
                z = filter_logits(logits, max(temperature, 1e-5), top_k)
                out[drawn, t] = draw_tokens(z)
        return out
