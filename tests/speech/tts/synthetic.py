"""The synthetic TTS batch the converter tests learn: characters held for a fixed number of frames."""

from __future__ import annotations

import torch

from regen.speech.text.symbols import CHARS

HOLD = 3  # frames per input symbol in the synthetic targets


def synthetic_batch() -> dict[str, torch.Tensor]:
    """Three short 'utterances': each character holds a fixed random 8-bin frame for HOLD frames.

    Frames are N(0, 1) per bin, so predicting the mean scores MSE 1.0 and copying the
    previous frame scores 2/3 (a new symbol, i.e. a fresh draw, every third frame).
    """
    table = torch.randn(len(CHARS), 8, generator=torch.Generator().manual_seed(1))
    texts = ["hi cat.", "dog runs.", "bee hit!"]
    longest = max(map(len, texts))
    cond = torch.zeros(len(texts), longest, 3, dtype=torch.long)
    target = torch.zeros(len(texts), longest * HOLD, 8)
    for row, text in enumerate(texts):
        ids = torch.tensor(CHARS.ids(text))
        cond[row, : len(ids), 0] = ids
        target[row, : len(ids) * HOLD] = table[ids].repeat_interleave(HOLD, 0)
    return {"cond": cond, "target": target, "target_lengths": torch.tensor([len(t) * HOLD for t in texts])}
