"""The keywords -> sentence task: template regeneration against a Direct model.

X = a sentence's keywords (its rarest content words), Y = the sentence, Y' = its template
(`regen.text.template`). Regeneration: a converter keywords -> template trained on the paired
share of the sentences, a renderer template -> sentence trained on every training sentence
(unpaired: the template is computed from the sentence), composed by the core `Regenerator`.
Direct: keywords -> sentence on the paired share only. Both are prefix-autoregressive token
stages (`regen.core.token_stage`) of configurable size; `data.paired_fraction` sets the share.

Evaluation on the test sentences' keywords: keyword coverage (share of the keywords the output
contains), BLEU-4 against each keyword set's own sentence, Self-BLEU of the outputs, and, with
`data.judge` (a trained left-to-right text checkpoint), the outputs' perplexity under it.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from regen.core.direct import Direct
from regen.core.errors import ConfigError
from regen.core.files import atomic_write_text
from regen.core.provenance import fingerprint
from regen.core.regenerator import Regenerator
from regen.core.run_config import RunConfig
from regen.core.space import Space
from regen.core.task import Task, TrainingPlan, register
from regen.core.token_stage import NetConfig, token_stage
from regen.text.corpus import TextCorpus, load_corpus
from regen.text.template import (TemplateAbstraction, fit_template_table, keyword_rows, template_words,
                                 token_frequency)
from regen.text.vocabulary import StoredVocabulary, VocabularyOwner
from regen.train.config import PhaseConfig
from regen.train.plan import Phase


@dataclass
class TemplateModelConfig:
    """method: regen (keywords -> template -> sentence) or direct (keywords -> sentence); the template's
    `function_words` and slot `classes`; `keywords` per sentence; the stages' sizes."""

    method: Literal["regen", "direct"] = "regen"
    function_words: int = 150
    classes: int = 32
    keywords: int = 3
    converter: NetConfig = field(default_factory=lambda: NetConfig(d_model=128, layers=2, heads=4))
    renderer: NetConfig = field(default_factory=lambda: NetConfig(d_model=128, layers=3, heads=4))
    direct: NetConfig = field(default_factory=lambda: NetConfig(d_model=128, layers=5, heads=4))


@dataclass
class TemplateDataConfig:
    """The word-level corpus (`regen.text.corpus`); `paired_fraction` of the training sentences keep
    their keywords (converter and Direct see only those); `eval_sentences` test sentences are scored;
    `judge`: a trained `text` checkpoint with objective autoregressive (empty: no perplexity)."""

    vocab_size: int = 5700
    length: int = 52
    paired_fraction: float = 1.0
    split_seed: int = 0
    eval_sentences: int = 200
    judge: str = ""

    def __post_init__(self) -> None:
        if not 0 < self.paired_fraction <= 1:
            raise ValueError(f"paired_fraction must lie in (0, 1], got {self.paired_fraction}")
        if self.eval_sentences < 2:
            raise ValueError("eval_sentences must be >= 2 (Self-BLEU compares pairs)")


@dataclass
class TemplateSampleConfig:
    """Sampling of every stage."""

    temperature: float = 0.8
    top_k: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.temperature < float("inf") or self.top_k < 0:
            raise ValueError("temperature must be a positive number and top_k >= 0")


class KeywordModel(VocabularyOwner, nn.Module):
    """keywords (batch, K) -> sentence (batch, length): a Regenerator or a Direct model, with the
    sentence vocabulary in its weights."""

    def __init__(self, cfg: TemplateModelConfig, vocab_size: int, length: int) -> None:
        super().__init__()
        self.cfg = cfg
        keywords = Space("text-keywords", "discrete", (cfg.keywords,), vocab_size)
        sentence = Space("text-tokens", "discrete", (length,), vocab_size)
        self.stored_vocabulary = StoredVocabulary(vocab_size)
        self.net: Regenerator | Direct
        if cfg.method == "direct":
            self.net = Direct(token_stage(keywords, sentence, cfg.direct), sentence)
        else:
            abstraction = TemplateAbstraction(vocab_size, cfg.classes, length, self.first_content, cfg.keywords)
            self.net = Regenerator(abstraction, token_stage(keywords, abstraction.space, cfg.converter),
                                   token_stage(abstraction.space, sentence, cfg.renderer))

    @property
    def first_content(self) -> int:
        """Sentence ids from here on are content words (the specials and function words come first)."""
        return 2 + self.cfg.function_words

    @torch.no_grad()
    def generate(self, keywords: torch.Tensor, sample: TemplateSampleConfig) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(sentences (batch, length), templates (batch, length) or None for Direct)."""
        controls = {"temperature": sample.temperature, "top_k": sample.top_k}
        self.eval()
        if isinstance(self.net, Direct):
            return self.net.sample(keywords, 1, **controls), None
        templates, sentences = self.net.sample(keywords, 1, controls, controls)
        return sentences, templates

    def template_text(self, row: torch.Tensor) -> str:
        """A template row as words ([C7] for a slot class, pads dropped)."""
        words = template_words(self.vocabulary.words, self.cfg.classes)
        return " ".join(words[i] for i in row.tolist() if i)


def paired_rows(n: int, fraction: float, seed: int) -> torch.Tensor:
    """Indices of the paired share of n training rows (a seeded random subset, at least one)."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[: max(1, round(fraction * n))].sort().values


def keyword_data(corpus: TextCorpus, model: KeywordModel,
                 splits: tuple[str, ...] = ("train", "valid", "test")) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Train rows (n, length) and the keywords of `splits`, from training frequencies."""
    train = corpus.tensor("train")
    frequency = token_frequency(train, len(corpus.vocabulary))
    keys = {split: keyword_rows(train if split == "train" else corpus.tensor(split), frequency,
                                model.first_content, model.cfg.keywords) for split in splits}
    return train, keys


@register
class TemplateTask(Task):
    """keywords -> template -> sentence (or keywords -> sentence, Direct)."""

    name = "text-template"
    domain = "text"
    model_config = TemplateModelConfig
    data_config = TemplateDataConfig
    sample_config = TemplateSampleConfig

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"renderer": PhaseConfig(), "converter": PhaseConfig(), "direct": PhaseConfig()}

    def check_config(self, cfg: RunConfig, where: str) -> None:
        if cfg.model.function_words + cfg.model.classes + 2 > cfg.data.vocab_size:
            raise ConfigError(f"{where}: model.function_words + model.classes must stay below data.vocab_size")

    def build(self, cfg: RunConfig) -> nn.Module:
        return KeywordModel(cfg.model, cfg.data.vocab_size, cfg.data.length)

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        corpus = load_corpus(cfg.data.vocab_size, cfg.data.length)
        model.set_vocabulary(corpus.vocabulary)
        train, keys = keyword_data(corpus, model)
        paired = paired_rows(len(train), cfg.data.paired_fraction, cfg.data.split_seed)
        pairs = {"x": keys["train"][paired], "y": train[paired]}
        valid = {"x": keys["valid"], "y": corpus.tensor("valid")}
        data = {"corpus": "King James sentences (regen.text.corpus), word level", "train_sentences": len(train),
                "paired_sentences": len(paired), "paired_fingerprint": fingerprint(pairs["y"].numpy())}
        if isinstance(model.net, Direct):
            return TrainingPlan([Phase("direct", model.net.objective(), pairs, cfg.phases["direct"], valid)], data)
        table, _ = fit_template_table(train, corpus.vocabulary, cfg.model.function_words, cfg.model.classes, cfg.seed)
        model.net.abstraction.set_table(table, token_frequency(train, len(corpus.vocabulary)))
        phases = [Phase("renderer", model.net.renderer_objective(), {"y": train}, cfg.phases["renderer"],
                        {"y": valid["y"]}),
                  Phase("converter", model.net.converter_objective(), pairs, cfg.phases["converter"], valid)]
        return TrainingPlan(phases, data)

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """Sentences for the first `n` test keyword sets: keywords, template and sentence per line; none
        empty (`regen.text.drawing`: a sentence without a word is drawn again, one that never has one is
        left out, with a note)."""
        from dataclasses import replace

        from regen.text.drawing import draw_sentences

        corpus = load_corpus(cfg.data.vocab_size, cfg.data.length)
        keys = keyword_data(corpus, model, ("test",))[1]["test"][:n]
        sample = cfg.sample if temperature is None else replace(cfg.sample, temperature=temperature)

        def draw(rows: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
            torch.manual_seed(seed)
            return model.generate(keys[rows], sample)

        drawn = draw_sentences(draw, model.vocabulary, len(keys), seed, "writing")
        if drawn.missing:
            print(drawn.note(), file=sys.stderr, flush=True)
        vocab = model.vocabulary
        lines = []
        for i, (k, row) in enumerate(zip(drawn.rows.tolist(), drawn.sentences)):
            words = " ".join(vocab.words[w] for w in keys[k].tolist() if w)
            shape = f"  [{model.template_text(drawn.templates[i])}]" if drawn.templates is not None else ""
            lines.append(f"{words} -> {vocab.decode(row.tolist())}{shape}")
        out_dir.mkdir(parents=True, exist_ok=True)
        return [atomic_write_text(out_dir / "sentences.txt", "".join(line + "\n" for line in lines))]

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float]:
        """Keyword coverage, BLEU-4 against the keywords' own sentences (corpus-level `bleu_corpus` and
        the mean of the sentences' own `bleu_sentence_mean`; checkpoints evaluated before the split hold
        `bleu`, the corpus figure), Self-BLEU among all the outputs, and the judge's perplexity (with
        data.judge) of outputs for the first `data.eval_sentences` test sentences."""
        from regen.text.metrics import bleu_paired, self_bleu
        from regen.text.tasks import token_text

        corpus = load_corpus(cfg.data.vocab_size, cfg.data.length)
        keys = keyword_data(corpus, model, ("test",))[1]["test"][: cfg.data.eval_sentences]
        truth = corpus.tensor("test")[: cfg.data.eval_sentences]
        torch.manual_seed(cfg.seed)
        sentences, _ = model.generate(keys, cfg.sample)
        texts, truths = [token_text(model, s) for s in sentences], [token_text(model, s) for s in truth]
        # coverage over the keyword sets that hold a word (a sentence of function words alone has none)
        wanted = [set(k.tolist()) - {0} for k in keys]
        covered = [len(w & set(s.tolist())) / len(w) for w, s in zip(wanted, sentences) if w]
        bleu = bleu_paired(texts, truths)
        out = {"keyword_coverage": sum(covered) / max(1, len(covered)), "bleu_corpus": bleu.corpus,
               "bleu_sentence_mean": bleu.sentence_mean, "self_bleu": self_bleu(texts, len(texts))}
        if cfg.data.judge:
            out["judge_perplexity"] = judge_perplexity(cfg.data.judge, sentences, model.vocabulary.words)
        return out


def judge_perplexity(judge: str, sentences: torch.Tensor, words: list[str]) -> float:
    """exp(mean nats per token) of sentences (n, length) under a trained left-to-right text model."""
    from regen.core.task import load_model
    from regen.text.language_model import TextLanguageModel

    lm, _, _ = load_model(judge, task="text")
    if not isinstance(lm, TextLanguageModel):
        raise ConfigError(f"data.judge {judge} is not a left-to-right model (objective autoregressive)")
    if lm.vocabulary.words != words or lm.length != sentences.shape[1]:
        raise ConfigError(f"data.judge {judge} was trained on another vocabulary or length")
    with torch.no_grad():
        return math.exp(lm.eval().sentence_nll(sentences))
