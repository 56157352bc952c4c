"""`TokenARStage`: an autoregressive Stage between discrete spaces, for converters, renderers and
Direct models of any domain (class -> Y' -> image in `regen.vision`, keywords -> template ->
sentence in `regen.text`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from regen.core.space import Space
from regen.core.stage import Stage
from regen.iterative.token_sampling import draw_tokens
from regen.nn.prefix_transformer import PrefixARTransformer


@dataclass
class NetConfig:
    """Size of a prefix autoregressive transformer; `copy` adds a pointer head onto the condition's
    tokens and `tie` shares one table between condition tokens, output tokens and the output layer
    (both only where condition ids are output ids, e.g. keywords -> sentence)."""

    d_model: int = 64
    layers: int = 2
    heads: int = 4
    dropout: float = 0.1
    copy: bool = False
    tie: bool = False


def alignment(src: Space, dst: Space) -> torch.Tensor | None:
    """Which condition position each output position depends on most: (prod(dst.shape),).

    A scalar condition (a class) conditions every position; a coarse 2-D grid
    conditions the output cells it covers; a sequence conditions the output sequence of the
    same length position by position (a template and its sentence); other pairs get no alignment.
    """
    n = math.prod(dst.shape)
    if src.shape == ():
        return torch.zeros(n, dtype=torch.long)
    if len(src.shape) == 1 and src.shape == dst.shape:
        return torch.arange(n)
    if len(src.shape) == 2 and len(dst.shape) == 2 and all(d % s == 0 for s, d in zip(src.shape, dst.shape)):
        fy, fx = dst.shape[0] // src.shape[0], dst.shape[1] // src.shape[1]
        rows = torch.arange(dst.shape[0]).unsqueeze(1) // fy
        cols = torch.arange(dst.shape[1]).unsqueeze(0) // fx
        return (rows * src.shape[1] + cols).flatten()
    return None


class TokenARStage(Stage):
    """P(target | cond) with a prefix transformer, for discrete spaces.

    cond: (batch, *input_space.shape) ints; target: (batch, *output_space.shape) ints.
    A scalar condition (shape ()) becomes a one-token prefix. `aligned` (prod(output_space.shape),)
    names the condition position each output position reads (default: `alignment` of the spaces).
    """

    def __init__(self, input_space: Space, output_space: Space, d_model: int = 64, layers: int = 2,
                 heads: int = 4, dropout: float = 0.1, aligned: torch.Tensor | None = None,
                 copy: bool = False, tie: bool = False) -> None:
        super().__init__()
        for space in (input_space, output_space):
            if space.kind != "discrete":
                raise ValueError(f"TokenARStage needs discrete spaces, got {space.describe()}")
        self._input, self._output = input_space, output_space
        self.net = PrefixARTransformer(input_space.vocab, max(1, math.prod(input_space.shape)),
                                       output_space.vocab, math.prod(output_space.shape), d_model, layers, heads,
                                       dropout, alignment(input_space, output_space) if aligned is None else aligned,
                                       copy, tie)

    @property
    def input_space(self) -> Space:
        return self._input

    @property
    def output_space(self) -> Space:
        return self._output

    def _prefix(self, cond: torch.Tensor) -> torch.Tensor:
        return cond.reshape(cond.shape[0], -1)

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        target = batch["target"].reshape(batch["target"].shape[0], -1)
        return {"loss": self.net.nll(self._prefix(batch["cond"]), target)}

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, temperature: float = 1.0, top_k: int = 0,
               **controls: Any) -> torch.Tensor:
        if controls:
            raise TypeError(f"unknown sampling controls {sorted(controls)}; use temperature or top_k")
        prefix = self._prefix(cond).repeat_interleave(n, 0)
        return self.net.generate(prefix, temperature, top_k).view(-1, *self._output.shape)

    @torch.no_grad()
    def teacher_forced(self, cond: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Each position drawn from P(target_t | true target_<t, cond): aligned with `target`."""
        flat = target.reshape(target.shape[0], -1)
        return draw_tokens(self.net.logits(self._prefix(cond), flat)).view_as(target)


def token_stage(src: Space, dst: Space, net: NetConfig) -> TokenARStage:
    """A TokenARStage from `src` to `dst` of the size `net`."""
    return TokenARStage(src, dst, net.d_model, net.layers, net.heads, net.dropout, copy=net.copy, tie=net.tie)
