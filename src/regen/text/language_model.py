"""`TextLanguageModel`: the plain left-to-right baseline of the text experiments (thesis Fig. 8.2).

The same relative-position transformer as the denoisers, made causal: position t reads a start
token and the tokens before t and predicts token t, over the whole padded row (pads are tokens,
as for the denoisers). Sampling is ancestral, one token per step, with the iterative sampler's
temperature and top-k / top-p / typical filters. It also scores text (`token_nll`), the held-out
language model of the keywords task.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from regen.core.space import Space
from regen.core.stage import Stage
from regen.iterative.sampler import SamplerConfig
from regen.iterative.token_sampling import draw_tokens, filter_logits
from regen.nn.relative_transformer import Block, TransformerConfig
from regen.text.vocabulary import PAD_ID, Level, StoredVocabulary, VocabularyOwner


def sentence_positions(tokens: torch.Tensor, pad: int) -> torch.Tensor:
    """(B, T) bool: the positions of each row up to and including its first `pad` (all without one)."""
    seen = (tokens == pad).long().cumsum(1)
    return (seen == 0) | ((seen == 1) & (tokens == pad))


class TextLanguageModel(VocabularyOwner, Stage):
    """Nothing -> sentence (batch, length): p(x) = prod_t p(x_t | x_<t)."""

    def __init__(self, cfg: TransformerConfig, vocab_size: int, length: int, level: Level = "word") -> None:
        super().__init__()
        if cfg.dim % cfg.heads:
            raise ValueError("transformer dim must be divisible by heads")
        self.vocab_size, self.length = vocab_size, length
        self.embed = nn.Embedding(vocab_size + 1, cfg.dim)  # the last id is the start token
        self.position = nn.Parameter(torch.randn(length, cfg.dim) * 0.02)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = nn.LayerNorm(cfg.dim)
        self.head = nn.Linear(cfg.dim, vocab_size)
        self.stored_vocabulary = StoredVocabulary(vocab_size, level)


    @property
    def input_space(self) -> Space:
        return Space("nothing", "discrete", (0,), 1)

    @property
    def output_space(self) -> Space:
        return Space("text-tokens", "discrete", (self.length,), self.vocab_size)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (B, T <= length) -> logits (B, T, vocab) for each position given those before it."""
        start = torch.full_like(tokens[:, :1], self.vocab_size)
        x = torch.cat([start, tokens[:, :-1]], 1)
        h = self.embed(x) + self.position[: x.shape[1]]
        for block in self.blocks:
            h = block(h, causal=True)
        return self.head(self.norm(h))

    def token_nll(self, tokens: torch.Tensor) -> torch.Tensor:
        """Cross-entropy (nats) of every position of tokens (B, T): (B, T)."""
        logits = self(tokens)
        return F.cross_entropy(logits.movedim(-1, 1), tokens, reduction="none")

    def sentence_nll(self, tokens: torch.Tensor) -> float:
        """Mean cross-entropy (nats) per scored position of tokens (B, T): the words up to and including
        the first [PAD], which ends the sentence (the later [PAD]s are free to predict and would dilute
        the mean); every position when a row has no [PAD] (character windows)."""
        scored = sentence_positions(tokens, PAD_ID)
        return float((self.token_nll(tokens) * scored).sum() / scored.sum().clamp_min(1))

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Mean next-token cross-entropy of `batch['target']` (B, length)."""
        nll = self.token_nll(batch["target"]).mean()
        return {"loss": nll, "token_nll": nll.detach()}

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """(B, length) rows -> (B * n, length) sentences drawn left to right (`cond` gives only the
        count); controls: `sampler` (SamplerConfig: temperature, top_k, top_p, typical, gumbel), `seed`."""
        was_training = self.training
        self.eval()
        cfg: SamplerConfig = controls.get("sampler") or SamplerConfig()
        generator = torch.Generator(device=cond.device).manual_seed(int(controls.get("seed", 0)))
        rows = torch.zeros(cond.shape[0] * n, 0, dtype=torch.long, device=cond.device)
        for _ in range(self.length):  # no cache: the rows are short and the model small
            logits = self(torch.cat([rows, rows.new_zeros(len(rows), 1)], 1))[:, -1]
            z = filter_logits(logits, cfg.temperature, cfg.top_k, cfg.top_p, cfg.typical)
            rows = torch.cat([rows, draw_tokens(z, generator, cfg.gumbel)[:, None]], 1)
        self.train(was_training)
        return rows
