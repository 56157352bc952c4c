"""What users ask of the text models: free sentences, sentences filled into a template (a denoiser),
and sentences written around keywords (a keywords -> sentence model)."""

from __future__ import annotations

import torch

from regen.core.errors import RegenError
from regen.iterative.sampler import SamplerConfig
from regen.text.drawing import Sentences, draw_sentences
from regen.text.language_model import TextLanguageModel
from regen.text.model import TextDenoiser
from regen.text.template_task import KeywordModel, TemplateSampleConfig

TextModel = TextDenoiser | TextLanguageModel

SLOT = "___"  # a word to write; at the character level each "_" is one character


def token_text(model: TextModel | KeywordModel, ids: torch.Tensor) -> str:
    """Space-joined tokens of one row (length,) up to its first [PAD]: the form BLEU compares."""
    return " ".join(model.vocabulary.sentence(ids.tolist()))


def unconditional(model: TextModel, sampler: SamplerConfig, n: int, seed: int) -> torch.Tensor:
    """`n` sentences sampled from noise: (n, length) token ids."""
    return model.sample(torch.zeros(n, model.length, dtype=torch.long), sampler=sampler, seed=seed)


def sentences(model: TextModel, sampler: SamplerConfig, n: int, seed: int, template: str | None = None) -> Sentences:
    """`n` sentences that say something (`regen.text.drawing`: drawn in chunks under a progress bar, empty
    ones drawn again): from noise, or the slots of `template` filled (see `infill`)."""
    if template is None:
        return draw_sentences(lambda rows, s: (unconditional(model, sampler, len(rows), s), None),
                              model.vocabulary, n, seed, "sampling")
    parse_template(model, template)  # a bad template or model fails before any drawing
    return draw_sentences(lambda rows, s: (infill(model, sampler, template, len(rows), s), None),
                          model.vocabulary, n, seed, "infilling")


def parse_template(model: TextModel, template: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A template ('And God said ___ ___ light', each ___ one token to fill; 'and god said _____ light'
    at the character level, each _ one character) -> tokens (length,) and keep (length,) bool: its
    tokens kept, its slots free, [PAD] kept after its end. RegenError for a left-to-right model."""
    if isinstance(model, TextLanguageModel):
        raise RegenError("a left-to-right model cannot fill slots; use a SUNMASK, Coconet or SUNDAE checkpoint")
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
    ids, keep = parse_template(model, template)
    return model.sample(ids[None], n, keep=keep[None], sampler=sampler, seed=seed)


def parse_keywords(model: KeywordModel, keywords: str) -> tuple[torch.Tensor, list[str]]:
    """'light darkness' -> the keyword row (model.cfg.keywords,) [PAD]-padded, in the order given, and
    the words dropped because they are function words (the template places those by itself)."""
    vocab, limit = model.vocabulary, model.cfg.keywords
    words = vocab.tokens(keywords)
    if not words:
        raise RegenError("no keywords: give one to three content words, e.g. 'light darkness'")
    unknown = sorted({w for w in words if w not in vocab.ids})
    if unknown:
        raise RegenError(f"not in the model's {len(vocab)}-word vocabulary: {', '.join(unknown[:8])}; "
                         "choose other words (keywords are never replaced by [UNK])")
    kept = list(dict.fromkeys(w for w in words if vocab.ids[w] >= model.first_content))
    dropped = [w for w in words if vocab.ids[w] < model.first_content]
    if not kept:
        raise RegenError(f"only function words ({', '.join(dropped)}); the template writes those itself — "
                         "give content words, e.g. 'light darkness'")
    if len(kept) > limit:
        raise RegenError(f"{len(kept)} keywords given; the model takes at most {limit}")
    row = torch.zeros(limit, dtype=torch.long)
    row[: len(kept)] = torch.tensor([vocab.ids[w] for w in kept])
    return row, dropped


def from_keywords(model: KeywordModel, sample: TemplateSampleConfig, keywords: str, n: int,
                  seed: int) -> tuple[Sentences, list[str]]:
    """`n` sentences written around `keywords` that say something (`regen.text.drawing`; templates None
    for a Direct model), and the function words dropped from the request."""
    row, dropped = parse_keywords(model, keywords)

    def draw(rows: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        torch.manual_seed(seed)
        return model.generate(row.expand(len(rows), -1).clone(), sample)

    return draw_sentences(draw, model.vocabulary, n, seed, "writing"), dropped
