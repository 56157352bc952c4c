"""The speech-recognition task (`speech-asr`): a CTC acoustic model trained on the corpus's paired
audio, plus (for phone units, the regeneration route) the P2G of `regen.speech.asr.p2g`, which
is built from text alone when a transcriber is made and is not part of the weights. With
`model.text_injection: maestro`, every batch also holds sentences that no recording of the corpus
reads (`data.text_sentences` of `data.text_source`, `model.text_share` of each batch), fed through
the text encoder (Maestro-style text injection); with `slam`, the paired rows also train a
speech-text matching head (SLAM-lite).

`regen evaluate` transcribes the corpus's held-out utterances (`sample.eval_utterances`) and
reports the corpus-level word error rate (jiwer: substitutions, deletions, insertions), the
phone error rate for phone models, the real-time factor and `eval_set`, the set it used: when
`data.corpus` is not on this machine (a fresh clone), the same held-out sentences read by
`data.voice`, recorded once into the cache (`regen.speech.data.eval_corpus`). `regen sample`
writes the transcripts of the first `n` held-out utterances beside their references as JSON.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch import nn

from regen.core.errors import ConfigError
from regen.core.files import atomic_write_text
from regen.core.objective import Objective
from regen.core.provenance import fingerprint
from regen.core.run_config import RunConfig
from regen.core.task import Task, TrainingPlan, register
from regen.speech.asr.acoustic import ASRConfig, CTCRecognizer
from regen.speech.asr.data import ASRDataConfig, build_rows, text_rows
from regen.speech.asr.p2g import build_p2g
from regen.speech.data.sentences import text_sentences
from regen.speech.asr.transcriber import Heard, Transcriber
from regen.speech.asr.units import transcript
from regen.speech.data.eval_corpus import evaluation_items
from regen.speech.data.load import Item, load_audio
from regen.speech.features.mel import MelConfig, load_mel_config
from regen.speech.text.mixing import TextFrontEnd
from regen.speech.tts.data import tts_split
from regen.speech.tts.duration.data import interleave_voices
from regen.speech.vocoder.data import STATS_FILE, load_items, mel_stats
from regen.train.config import PhaseConfig
from regen.train.data import Mixture
from regen.train.plan import Phase

SHIPPED = "speech/asr-tiny"
"""The shipped recogniser: `regen speech transcribe`'s default and the demo's."""


@dataclass
class ASRSampleConfig:
    """How transcription runs: CTC beam width, the P2G's weights (language model, edit distance; a
    character model decodes with the same language model when `lm_weight` > 0, adding `word_bonus` per
    word),
    its text (`lm_sentences` King James sentences, 0: all), the weight of present-day English word
    frequencies in its language model (`english_weight`, 0..1), the weight of the present-day English
    trigram interpolated with it (`english_lm`, 0..1, 0: the text's own model alone) and how many
    held-out utterances `regen evaluate` transcribes."""

    beam: int = 8
    lm_weight: float = 0.5
    edit_weight: float = 8.0
    word_bonus: float = 0.0
    lm_sentences: int = 0
    english_weight: float = 0.8
    english_lm: float = 0.8
    eval_utterances: int = 50

    def __post_init__(self) -> None:
        if self.beam < 1 or self.eval_utterances < 1 or self.lm_sentences < 0:
            raise ValueError("beam and eval_utterances must be >= 1 and lm_sentences >= 0")
        if self.lm_weight < 0 or self.edit_weight < 0:
            raise ValueError("lm_weight and edit_weight must be >= 0")
        if not 0 <= self.english_weight < 1 or not 0 <= self.english_lm < 1:
            raise ValueError("english_weight and english_lm must be in [0, 1)")


def asr_mel(model: ASRConfig) -> MelConfig:
    """The model's mel config; ConfigError unless its bands agree with the model."""
    mel = load_mel_config(model.mel)
    if mel.n_mels != model.n_mels:
        raise ConfigError(f"model.n_mels {model.n_mels} disagrees with mel config '{model.mel}' ({mel.n_mels})")
    return mel


def transcriber(cfg: RunConfig, model: CTCRecognizer) -> Transcriber:
    """The model with its decoding settings (and the P2G of `sample.lm_sentences` and the sentences of
    `data.text_source`: for phones, and for characters whose decoding uses its language model)."""
    p2g = None
    if cfg.model.units == "phones" or cfg.sample.lm_weight > 0:
        extra = () if cfg.data.text_source == "bible" else (cfg.data.text_source,)
        p2g = replace(build_p2g(cfg.sample.lm_sentences or None, cfg.sample.english_weight, extra,
                                cfg.sample.english_lm),
                      lm_weight=cfg.sample.lm_weight, edit_weight=cfg.sample.edit_weight)
    return Transcriber(model, asr_mel(cfg.model), p2g, cfg.sample.beam, cfg.sample.word_bonus)


def held_out_items(cfg: RunConfig, mel: MelConfig, n: int) -> tuple[list[Item], str]:
    """The first `n` held-out utterances (never trained on) of `data.corpus`, every voice of a corpus root in
    turn, or, when that corpus is not here, held-out sentences read by `data.voice`
    (`regen.speech.data.eval_corpus`); and the set's name."""
    return evaluation_items(cfg.data.corpus, cfg.data.voice, mel, n,
                            lambda report: interleave_voices(tts_split(report)[1]))


def phone_string(text: str, front_end: TextFrontEnd) -> str:
    """A transcript's phones (no stress, no boundaries) as space-separated words for jiwer."""
    return " ".join(p for pron in transcript(text, front_end).prons for p in pron)


def score_transcripts(refs: list[str], heard: list[Heard], units: str) -> dict[str, float]:
    """Corpus-level WER with its counts, and PER for phone models (the phones heard against the
    reference transcript's pronunciation)."""
    from regen.speech.features.measures import word_errors

    errors = word_errors(refs, [h.text for h in heard])
    out = {"wer": errors.wer, "substitutions": errors.substitutions, "deletions": errors.deletions,
           "insertions": errors.insertions, "reference_words": errors.reference_words}
    if units == "phones":
        front_end = TextFrontEnd()
        phones = [" ".join(u for u in h.units if u != "|") for h in heard]
        out["per"] = word_errors([phone_string(r, front_end) for r in refs], phones).wer
    return out


@register
class ASRTask(Task):
    """CTC speech recognition: phones + P2G (regeneration) or characters (Direct)."""

    name = "speech-asr"
    domain = "speech"
    demo = "regen.speech.asr.demo"
    model_config = ASRConfig
    data_config = ASRDataConfig
    sample_config = ASRSampleConfig

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"acoustic": PhaseConfig(max_steps=4000, batch_size=16, lr=1e-3, warmup=200)}

    def check_config(self, cfg: RunConfig, where: str) -> None:
        try:
            asr_mel(cfg.model)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        if cfg.data.augment.active and cfg.model.text_injection != "none":
            raise ConfigError(f"{where}: data.augment changes the timing that text injection learns from; "
                              "use one or the other")

    def build(self, cfg: RunConfig) -> nn.Module:
        return CTCRecognizer(cfg.model)

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        mel = asr_mel(cfg.model)
        report = load_items(cfg.data.corpus, mel)
        train, held = tts_split(report)
        train = [i for i in train if i.seconds <= cfg.data.max_seconds][: cfg.data.max_utterances or None]
        if not cfg.trainer.init_from:  # a run from a checkpoint keeps the normalisation its weights learned
            spread = train[:: max(1, len(train) // max(cfg.data.stats_utterances, 1))]  # every voice
            stats = mel_stats(spread, mel, cfg.data.stats_utterances, Path(run_dir) / STATS_FILE)
            model.set_stats(torch.tensor(stats.mean), torch.tensor(stats.std))
        injection = cfg.model.text_injection == "maestro"
        rows = build_rows(train, mel, cfg.model.units, progress=cfg.trainer.progress,
                          injection=cfg.model.text_injection != "none", augment=cfg.data.augment, seed=cfg.seed)
        valid = build_rows(interleave_voices(held)[: cfg.data.valid_utterances], mel, cfg.model.units) if held else None
        objective = Objective(self.name, model.loss, {"acoustic": model}, ["acoustic"])
        data = {"corpus": str(cfg.data.corpus), "train_utterances": len(train), "held_out": [i.id for i in held],
                "skipped_files": len(report.problems), "units": cfg.model.units,
                "fingerprint": fingerprint(*rows["mel"].rows, rows["targets"])}
        train_data: dict[str, torch.Tensor] | Mixture = rows
        if injection:
            heard = {i.normalized for i in report.items}
            texts = [t for t in text_sentences(cfg.data.text_source) if t not in heard][: cfg.data.text_sentences]
            share = cfg.model.text_share
            train_data = Mixture({"paired": rows, "text": text_rows(texts, cfg.model.units)},
                                 {"paired": 1 - share, "text": share})
            data["text_sentences"] = len(texts)
        return TrainingPlan([Phase("acoustic", objective, train_data, cfg.phases["acoustic"], valid)], data)

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """Transcripts of the first `n` held-out utterances, beside their references (transcripts.json)."""
        mel = asr_mel(cfg.model)
        items, _ = held_out_items(cfg, mel, n)
        heard = transcriber(cfg, model).transcribe([load_audio(i, mel.sample_rate) for i in items])
        rows = [{"id": i.id, "reference": i.normalized, "heard": h.text, "phones": " ".join(h.units)}
                for i, h in zip(items, heard)]
        return [atomic_write_text(out_dir / "transcripts.json", json.dumps(rows, indent=1))]

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float | str]:
        """Scores on the first `sample.eval_utterances` held-out utterances of `data.corpus`, or, when
        that corpus is not here, on held-out sentences read by `data.voice` (built once into the cache);
        `eval_set` names the set."""
        mel = asr_mel(cfg.model)
        items, eval_set = held_out_items(cfg, mel, cfg.sample.eval_utterances)
        waves = [load_audio(i, mel.sample_rate) for i in items]
        system = transcriber(cfg, model)
        started = time.perf_counter()
        heard = system.transcribe(waves, desc="evaluating: transcribing held-out utterances")
        seconds = time.perf_counter() - started
        scores = score_transcripts([i.normalized for i in items], heard, cfg.model.units)
        return {**scores, "rtf": seconds / max(sum(len(w) for w in waves) / mel.sample_rate, 1e-9),
                "eval_set": eval_set}
