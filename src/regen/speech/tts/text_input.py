"""The converters' text input: representation-mixed symbols as padded ids, and their embedding.

`cond` (batch, length, 3) int64 holds [char_id, phone_id, is_phone] per position
(zero rows pad); `MixedTextEmbedding` turns it into vectors by the thesis'
eqs. 4.1-4.2, e_f = E_m[m] + (1 - m) E_c[char] + m E_p[phone]. Shared by RepMix,
R-MelNet and the speaker-conditioned converters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from regen.core.errors import RegenError
from regen.core.space import Space
from regen.speech.text.mixing import MixedSequence, TextFrontEnd, collate
from regen.speech.text.symbols import CHARS, PHONES

VOCAB = max(len(CHARS), len(PHONES))
TEXT_SPACE = Space("repmix-text", "discrete", (3,), vocab=VOCAB)


def pack_text(sequences: Sequence[MixedSequence]) -> torch.Tensor:
    """MixedSequences -> padded cond (batch, length, 3); RegenError for an empty one."""
    if not sequences or any(len(s) == 0 for s in sequences):
        raise RegenError("empty text: give at least one word or character to synthesise")
    batch = collate(sequences)
    return torch.stack([torch.from_numpy(batch[k]) for k in ("char_ids", "phone_ids", "mask")], dim=-1)


def text_to_cond(texts: Sequence[str], front_end: TextFrontEnd | None = None, mode: str = "phones",
                 **mix: Any) -> torch.Tensor:
    """Raw strings -> cond (batch, length, 3) through normalisation, G2P and mixing."""
    if not texts or any(not t or not t.strip() for t in texts):
        raise RegenError("empty text: give at least one word or character to synthesise")
    front_end = front_end or TextFrontEnd()
    return pack_text([front_end.encode(t, mode=mode, **mix) for t in texts])


def text_lengths(cond: torch.Tensor) -> torch.Tensor:
    """Valid positions per row of cond (batch, length, 3) -> (batch,)."""
    return (cond.abs().sum(-1) > 0).long().sum(-1)


class MixedTextEmbedding(nn.Module):
    """Char and phone embeddings combined through the mask embedding (thesis eqs. 4.1-4.2).

    cond (batch, length, 3) [char, phone, is_phone] ids -> (x (batch, length, dim),
    mask (batch, length) bool, lengths (batch,)). Each table is initialised from a
    truncated normal with `std`, or 1/sqrt(table size) when `std` is None.
    """

    def __init__(self, dim: int, std: float | None = None) -> None:
        super().__init__()
        self.embed_char = nn.Embedding(VOCAB, dim)
        self.embed_phone = nn.Embedding(VOCAB, dim)
        self.embed_mask = nn.Embedding(2, dim)
        for emb in (self.embed_char, self.embed_phone, self.embed_mask):
            nn.init.trunc_normal_(emb.weight, std=std if std is not None else 1 / math.sqrt(emb.num_embeddings))

    def forward(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if cond.dim() != 3 or cond.shape[-1] != 3 or cond.shape[1] == 0:
            shape = tuple(cond.shape)
            raise RegenError(f"text input must be (batch, length>0, 3) [char, phone, mask] ids, got {shape}")
        lengths = text_lengths(cond)
        if bool((lengths == 0).any()):
            raise RegenError("empty text: give at least one word or character to synthesise")
        chars, phones, is_phone = cond.unbind(-1)
        m = is_phone.unsqueeze(-1).float()
        x = (1 - m) * self.embed_char(chars) + m * self.embed_phone(phones) + self.embed_mask(is_phone)
        mask = torch.arange(cond.shape[1], device=cond.device)[None] < lengths[:, None]
        return x, mask, lengths
