"""What users ask of a text denoiser: free sentences, and sentences filled into a template."""

from __future__ import annotations

import torch

from regen.core.errors import RegenError
from regen.iterative.sampler import SamplerConfig
from regen.text.language_model import TextLanguageModel
from regen.text.model import TextDenoiser

TextModel = TextDenoiser | TextLanguageModel

SLOT = "___"  # a word to write; at the character level each "_" is one character


def token_text(model: TextModel, ids: torch.Tensor) -> str:
    """Space-joined tokens of one row (pads dropped): the form BLEU compares."""
    words = model.vocabulary.words
    return " ".join(words[i] for i in ids.tolist() if i != model.vocabulary.pad)


def unconditional(model: TextModel, sampler: SamplerConfig, n: int, seed: int) -> torch.Tensor:
    """`n` sentences sampled from noise: (n, length) token ids."""
    return model.sample(torch.zeros(n, model.length, dtype=torch.long), sampler=sampler, seed=seed)


def parse_template(model: TextDenoiser, template: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A template ('And God said ___ ___ light', each ___ one token to fill; 'and god said _____ light'
    at the character level, each _ one character) -> tokens (length,) and keep (length,) bool: its
    tokens kept, its slots free, [PAD] kept after its end."""
    vocab = model.vocabulary
    slot = "_" if vocab.level == "char" else SLOT
    tokens = vocab.tokens(template)
    if not tokens:
        raise RegenError(f"empty template: give words and {slot} slots, e.g. 'And God said {slot} {slot} light'")
    if slot not in tokens:
        raise RegenError(f"the template has no {slot} slot to fill; mark each token to write with {slot}")
    unknown = sorted({t for t in tokens if t != slot and t not in vocab.ids})
    if unknown:
        raise RegenError(f"not in the model's {len(vocab)}-token vocabulary: {', '.join(unknown[:8])}; "
                         f"use other {'characters' if vocab.level == 'char' else 'words'} or make them "
                         f"{slot} slots")
    if len(tokens) > model.length:
        raise RegenError(f"the template has {len(tokens)} tokens; the model writes at most {model.length}")
    ids = torch.full((model.length,), vocab.pad, dtype=torch.long)
    keep = torch.ones(model.length, dtype=torch.bool)
    for k, token in enumerate(tokens):
        if token == slot:
            keep[k] = False
        else:
            ids[k] = vocab.ids[token]
    return ids, keep


def infill(model: TextModel, sampler: SamplerConfig, template: str, n: int, seed: int) -> torch.Tensor:
    """`n` fillings of the template's slots: (n, length) ids; kept tokens never change."""
    if isinstance(model, TextLanguageModel):
        raise RegenError("a left-to-right model cannot fill slots; use a SUNMASK, Coconet or SUNDAE checkpoint")
    ids, keep = parse_template(model, template)
    return model.sample(ids[None], n, keep=keep[None], sampler=sampler, seed=seed)
