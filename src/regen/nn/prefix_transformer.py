"""A prefix-conditioned autoregressive transformer over token sequences.

The prefix (the condition: a class, a grid of codes) is read bidirectionally;
the target is generated left to right and attends to the whole prefix.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from regen.iterative.token_sampling import draw_tokens, filter_logits


class Block(nn.Module):
    """Pre-norm transformer block: masked self-attention and a GELU MLP.

    Dropout acts on the residual branches only (attention weights are left intact,
    which keeps the fused attention kernel). x: (batch, length, d_model).
    """

    def __init__(self, d_model: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attn = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        x = x + self.drop(self.proj(attn.transpose(1, 2).reshape(b, n, d)))
        return x + self.drop(self.mlp(self.norm2(x)))


class PrefixARTransformer(nn.Module):
    """P(target | prefix) = prod_t P(target_t | target_<t, prefix).

    prefix: (batch, prefix_len) ints in [0, prefix_vocab);
    target: (batch, target_len) ints in [0, target_vocab).
    aligned: optional (target_len,) prefix positions; when given, target position t
    also receives the embedding of prefix[aligned[t]] (e.g. the coarse grid cell
    that covers pixel t), which makes spatial conditioning easy to learn.
    copy: a pointer head (See et al. 2017) for prefixes whose ids below target_vocab are target
    ids (keywords -> sentence, template -> sentence): P(token) = g * P_vocab(token) + (1 - g) *
    (attention on the prefix positions holding that token), so copying a word needs no per-word
    learning; id 0 (padding) and prefix ids >= target_vocab (a template's slot classes) are never
    pointed at.
    tie: one embedding table for prefix tokens (also where `aligned` reads them), target tokens
    and the output layer (Press & Wolf 2017), for prefixes that share the target's ids; it has
    max(prefix_vocab, target_vocab) rows plus the start token.
    """

    def __init__(self, prefix_vocab: int, prefix_len: int, target_vocab: int, target_len: int,
                 d_model: int = 64, layers: int = 2, heads: int = 4, dropout: float = 0.1,
                 aligned: torch.Tensor | None = None, copy: bool = False, tie: bool = False) -> None:
        super().__init__()
        self.prefix_len, self.target_len, self.target_vocab = prefix_len, target_len, target_vocab
        self.start = max(prefix_vocab, target_vocab) if tie else target_vocab  # the start token's id
        self.prefix_embed = None if tie else nn.Embedding(prefix_vocab, d_model)
        self.target_embed = nn.Embedding(self.start + 1, d_model)
        self.position = nn.Parameter(torch.randn(prefix_len + target_len, d_model) * 0.02)
        self.blocks = nn.ModuleList(Block(d_model, heads, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = None if tie else nn.Linear(d_model, target_vocab)
        self.head_bias = nn.Parameter(torch.zeros(target_vocab)) if tie else None
        if tie:  # small initial output logits (the table is the output layer too)
            nn.init.normal_(self.target_embed.weight, std=0.02)
        total = prefix_len + target_len
        allowed = torch.ones(total, total, dtype=torch.bool).tril()
        allowed[:, :prefix_len] = True
        self.register_buffer("allowed", allowed, persistent=False)
        self.aligned_embed = nn.Embedding(prefix_vocab, d_model) if aligned is not None and not tie else None
        self.register_buffer("aligned", None if aligned is None else aligned.long(), persistent=False)
        self.copy_query = nn.Linear(d_model, d_model) if copy else None
        self.copy_gate = nn.Linear(d_model, 1) if copy else None

    def logits(self, prefix: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits: (batch, target_len, target_vocab); position t sees target_<t."""
        return self._forward(prefix, self._shifted(target))

    def _shifted(self, target: torch.Tensor) -> torch.Tensor:
        """The teacher-forced inputs (batch, T): the start token, then target_<T."""
        return torch.cat([torch.full_like(target[:, :1], self.start), target[:, :-1]], dim=1)

    def _states(self, prefix: torch.Tensor, shifted: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(target states (batch, T, d), prefix states (batch, prefix_len, d)) for inputs `shifted` (batch, T)."""
        length = self.prefix_len + shifted.shape[1]
        target = self.target_embed(shifted)
        prefix_embed = self.target_embed if self.prefix_embed is None else self.prefix_embed
        if self.aligned is not None:
            aligned_embed = prefix_embed if self.aligned_embed is None else self.aligned_embed
            target = target + aligned_embed(prefix[:, self.aligned[:shifted.shape[1]]])
        h = torch.cat([prefix_embed(prefix), target], dim=1) + self.position[:length]
        allowed = self.allowed[:length, :length]
        for block in self.blocks:
            h = block(h, allowed)
        h = self.norm(h)
        return h[:, self.prefix_len:], h[:, :self.prefix_len]

    def _vocab_logits(self, out: torch.Tensor) -> torch.Tensor:
        """The vocabulary head: (batch, T, d) -> (batch, T, target_vocab)."""
        if self.head is None:
            return F.linear(out, self.target_embed.weight[:self.target_vocab], self.head_bias)
        return self.head(out)

    def _forward(self, prefix: torch.Tensor, shifted: torch.Tensor, last: bool = False) -> torch.Tensor:
        """Logits (batch, T, target_vocab), log-probabilities with a copy head; `last`: the last position only."""
        out, keys = self._states(prefix, shifted)
        out = out[:, -1:] if last else out
        logits = self._vocab_logits(out)
        if self.copy_query is None:
            return logits
        attn, gate = self._pointer(out, keys, prefix)
        index = prefix.clamp_max(self.target_vocab - 1).unsqueeze(1).expand(-1, out.shape[1], -1)
        pointed = torch.zeros_like(logits).scatter_add_(-1, index, attn)
        return torch.logaddexp(F.logsigmoid(gate) + logits.log_softmax(-1),
                               F.logsigmoid(-gate) + pointed.clamp_min(1e-30).log())

    def _pointer(self, out: torch.Tensor, keys: torch.Tensor, prefix: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Attention (batch, T, prefix_len) of the target states `out` on the copyable prefix positions, and
        the gate logit (batch, T, 1): log g = logsigmoid(gate), log(1 - g) = logsigmoid(-gate)."""
        scores = self.copy_query(out) @ keys.transpose(1, 2) / keys.shape[-1] ** 0.5
        copyable = ((prefix > 0) & (prefix < self.target_vocab)).unsqueeze(1)
        attn = scores.masked_fill(~copyable, torch.finfo(scores.dtype).min).softmax(-1) * copyable
        return attn, self.copy_gate(out)

    def nll(self, prefix: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per target token (scalar, in nats). With a copy head, only the
        targets' probabilities are formed (no (batch, T, vocab) mixture)."""
        out, keys = self._states(prefix, self._shifted(target))
        logits = self._vocab_logits(out)
        if self.copy_query is None:
            return F.cross_entropy(logits.reshape(-1, self.target_vocab), target.reshape(-1))
        vocab = logits.gather(-1, target.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(-1)
        attn, gate = self._pointer(out, keys, prefix)
        pointed = (attn * (prefix.unsqueeze(1) == target.unsqueeze(-1))).sum(-1)
        gate = gate.squeeze(-1)
        return -torch.logaddexp(F.logsigmoid(gate) + vocab, F.logsigmoid(-gate) + pointed.clamp_min(1e-30).log()).mean()

    @torch.no_grad()
    def generate(self, prefix: torch.Tensor, temperature: float = 1.0, top_k: int = 0) -> torch.Tensor:
        """Sample targets left to right: (batch, target_len)."""
        out = torch.full((prefix.shape[0], 1), self.start, dtype=torch.long, device=prefix.device)
        for t in range(self.target_len):
            logits = filter_logits(self._forward(prefix, out, last=True)[:, 0], max(temperature, 1e-5), top_k)
            out = torch.cat([out, draw_tokens(logits).unsqueeze(1)], dim=1)
        return out[:, 1:]
