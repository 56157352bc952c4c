"""The text task: SUNMASK (or Coconet / SUNDAE) denoisers, and the left-to-right baseline, on padded
King James sentences."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import torch
from torch import nn

from regen.core.files import atomic_write_text
from regen.core.objective import Objective
from regen.core.provenance import fingerprint
from regen.core.run_config import RunConfig
from regen.core.task import Task, TrainingPlan, register
from regen.iterative.denoising_loss import validation_nll
from regen.iterative.sampler import SamplerConfig
from regen.text.config import DataConfig, ModelConfig
from regen.text.corpus import TextCorpus, load_corpus
from regen.text.language_model import TextLanguageModel
from regen.text.model import TextDenoiser
from regen.train.config import PhaseConfig
from regen.train.plan import Phase


def split_tensors(cfg: RunConfig, corpus: TextCorpus) -> tuple[torch.Tensor, torch.Tensor]:
    """Train and valid sentences (n, length), cut to `data.max_sentences` when set."""
    train, valid = corpus.tensor("train"), corpus.tensor("valid")
    if cfg.data.max_sentences:
        train, valid = train[: cfg.data.max_sentences], valid[: cfg.data.max_sentences]
    return train, valid


@register
class TextTask(Task):
    """Word-level sentences by iterative masked denoising (or left to right, the baseline)."""

    name = "text"
    domain = "text"
    model_config = ModelConfig
    data_config = DataConfig
    sample_config = SamplerConfig
    demo = "regen.text.demo"

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"model": PhaseConfig()}

    def build(self, cfg: RunConfig) -> nn.Module:
        if cfg.model.objective == "autoregressive":
            return TextLanguageModel(cfg.model.transformer, cfg.data.vocab_size, cfg.data.length, cfg.data.level)
        return TextDenoiser(cfg.model, cfg.data.vocab_size, cfg.data.length, cfg.data.level)

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        corpus = load_corpus(cfg.data.vocab_size, cfg.data.length, cfg.data.level)
        model.set_vocabulary(corpus.vocabulary)
        train, valid = split_tensors(cfg, corpus)
        objective = Objective(f"text-{cfg.model.objective}", model.loss, {"model": model}, ["model"])
        phase = Phase("model", objective, {"target": train}, cfg.phases["model"], {"target": valid})
        data = {"corpus": f"King James sentences (regen.speech.data.sentences), {cfg.data.level} level",
                "sentences": {k: len(v) for k, v in corpus.texts.items()}, "dropped": corpus.dropped,
                "train_fingerprint": fingerprint(train.numpy()), "train_sentences": int(len(train))}
        return TrainingPlan([phase], data)

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """`n` sentences from noise, one per line of samples.txt; none empty (`regen.text.drawing`: a
        sample without a word is drawn again, and one that never has one is left out, with a note)."""
        from dataclasses import replace

        from regen.text.tasks import sentences

        sampler = cfg.sample if temperature is None else replace(cfg.sample, temperature=temperature)
        drawn = sentences(model, sampler, n, seed)
        if drawn.missing:
            print(drawn.note(), file=sys.stderr, flush=True)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = atomic_write_text(out_dir / "samples.txt", "".join(model.vocabulary.decode(r.tolist()) + "\n"
                                                                 for r in drawn.sentences))
        return [path]

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float]:
        """Validation NLL (the denoisers': one seeded corruption; the left-to-right model's: per word with
        the sentence end, `TextLanguageModel.sentence_nll`, also in bits: bits per character at the char
        level), and at the word level, of `data.eval_samples` samples: BLEU-4 against the test set,
        corpus-level (`bleu_corpus`) and the mean of the sentences' own (`bleu_sentence_mean`), and
        Self-BLEU among all of them. Checkpoints evaluated before the split hold `bleu`: the corpus figure."""
        from regen.text.drawing import draw_in_chunks
        from regen.text.metrics import bleu_against, self_bleu
        from regen.text.tasks import token_text, unconditional

        corpus = load_corpus(cfg.data.vocab_size, cfg.data.length, cfg.data.level)
        _, valid = split_tensors(cfg, corpus)
        if isinstance(model, TextLanguageModel):
            with torch.no_grad():
                nats = model.eval().sentence_nll(valid)
            metrics = {"valid_token_nll": nats, "valid_bits_per_token": nats / math.log(2)}
        else:
            metrics = {"valid_nll": validation_nll(model, valid, cfg.seed)}
        if cfg.data.level == "char":  # BLEU is a word-level measure
            return metrics
        rows, _ = draw_in_chunks(lambda chunk, seed: (unconditional(model, cfg.sample, len(chunk), seed), None),
                                 torch.arange(cfg.data.eval_samples), 0, "sampling for BLEU")
        samples = [token_text(model, r) for r in rows]  # as drawn, empty ones included: this scores the model
        references = [token_text(model, r) for r in corpus.tensor("test")]
        bleu = bleu_against(samples, references)
        return {**metrics, "bleu_corpus": bleu.corpus, "bleu_sentence_mean": bleu.sentence_mean,
                "self_bleu": self_bleu(samples, len(samples))}
