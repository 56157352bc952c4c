"""The converters' text input: packing, lengths, and the mixed embedding of eqs. 4.1-4.2."""

from __future__ import annotations

import pytest
import torch

from regen.core.errors import RegenError
from regen.speech.tts.text_input import MixedTextEmbedding, pack_text, text_lengths, text_to_cond


def test_text_to_cond_pads_rows_and_counts_their_lengths() -> None:
    cond = text_to_cond(["In the beginning", "God"], mode="chars")
    assert cond.dtype == torch.long and cond.shape[0] == 2 and cond.shape[2] == 3
    lengths = text_lengths(cond)
    assert lengths[0] > lengths[1] > 0 and lengths[0] == cond.shape[1]
    assert bool((cond[1, lengths[1]:] == 0).all())
    assert bool((cond[..., 2] == 0).all())  # character mode: no position is a phone


def test_embedding_picks_the_char_or_the_phone_table_through_the_mask() -> None:
    torch.manual_seed(0)
    emb = MixedTextEmbedding(8)
    cond = torch.tensor([[[5, 7, 0], [5, 7, 1]]])
    x, mask, lengths = emb(cond)
    assert x.shape == (1, 2, 8) and bool(mask.all()) and lengths.tolist() == [2]
    torch.testing.assert_close(x[0, 0], emb.embed_char.weight[5] + emb.embed_mask.weight[0])
    torch.testing.assert_close(x[0, 1], emb.embed_phone.weight[7] + emb.embed_mask.weight[1])


def test_empty_input_is_a_user_error() -> None:
    with pytest.raises(RegenError, match="empty text"):
        pack_text([])
    with pytest.raises(RegenError, match="empty text"):
        text_to_cond([""])
