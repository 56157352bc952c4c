"""The duration-based text -> speech task, registered as `speech-duration`: FastSpeech 2's converter
(`regen.speech.tts.duration.model`) to a log-mel Y', rendered by the iSTFT vocoder.

Training rows are the whole utterances of `data.corpus` (`regen.speech.tts.duration.data`; no timing
file needed); one phase, `converter`, fits the network (resumable), drawing the hard alignment of a
held-out utterance as a PNG every `trainer.val_every` steps (`run_dir/alignments/`). Sampling and
evaluation say the corpus builder's held-out sentences (`sample.eval_sentences`, text only, as the
other text -> speech tasks do) and report the same figures: an off-the-shelf recogniser's word error
rate, alignment success and the real-time factor.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from torch import nn

from regen.core.errors import ConfigError
from regen.core.objective import Objective
from regen.core.provenance import fingerprint
from regen.core.run_config import RunConfig
from regen.core.task import Task, TrainingPlan, register
from regen.speech.data.sentences import held_out_texts
from regen.speech.tts.data import tts_split
from regen.speech.tts.duration.data import DurationDataConfig, build_rows, check_timings, row_stats, voice_index
from regen.speech.tts.duration.model import DurationConfig, DurationTTS
from regen.speech.tts.task import mel_config_of
from regen.speech.vocoder.data import load_items
from regen.train.config import PhaseConfig
from regen.train.plan import Phase

MAX_SECONDS_PER_SYMBOL = 0.25  # the attention models' stopping limit (`Speaker.max_steps`), as success


@dataclass
class DurationSampleConfig:
    """How `regen sample` / `regen evaluate` say text: the renderer (istft: the vocoder checkpoint
    `vocoder`; gl | lbfgs with `iterations`), the voice (a name in model.speakers; '' the first),
    speaking `rate` and `pitch_shift` in semitones, and how many held-out sentences evaluation says."""

    renderer: Literal["istft", "gl", "lbfgs"] = "istft"
    vocoder: str = "speech/istft-tiny"
    iterations: int = 64
    voice: str = ""
    rate: float = 1.0
    pitch_shift: float = 0.0
    eval_sentences: int = 8

    def __post_init__(self) -> None:
        if self.iterations < 1 or self.eval_sentences < 1 or not self.rate > 0:
            raise ValueError("iterations and eval_sentences must be >= 1 and rate > 0")


@register
class DurationTask(Task):
    """Phones -> durations / pitch / energy -> log-mel, non-autoregressive, alignments learned by MAS."""

    name = "speech-duration"
    domain = "speech"
    model_config = DurationConfig
    data_config = DurationDataConfig
    sample_config = DurationSampleConfig

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"converter": PhaseConfig(max_steps=8000, batch_size=16, lr=1e-3, warmup=400)}

    def check_config(self, cfg: RunConfig, where: str) -> None:
        try:
            mel_config_of(cfg)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        if cfg.sample.voice and cfg.sample.voice not in cfg.model.speakers:
            raise ConfigError(f"{where}: sample.voice '{cfg.sample.voice}' is not in model.speakers "
                              f"({', '.join(cfg.model.speakers) or 'empty: one voice'})")

    def build(self, cfg: RunConfig) -> nn.Module:
        return DurationTTS(cfg.model)

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        mel, corpus = mel_config_of(cfg), str(cfg.data.corpus)
        report = load_items(corpus, mel)
        train_items, held = tts_split(report)
        within = lambda items: [i for i in items if cfg.data.min_seconds <= i.seconds <= cfg.data.max_seconds]  # noqa: E731
        train_items, held = within(train_items)[: cfg.data.max_rows or None], within(held)
        index = voice_index(train_items, cfg.model.speakers, corpus)
        train_items, held = [i for i in train_items if i.speaker in index], [i for i in held if i.speaker in index]
        oracle = cfg.model.durations == "oracle"
        if oracle:
            check_timings(train_items + held, corpus)
        progress = cfg.trainer.progress
        train, skipped = build_rows(train_items, [index[i.speaker] for i in train_items], mel, oracle, progress=progress)
        chosen = held[: cfg.data.valid_utterances]
        valid = (build_rows(chosen, [index[i.speaker] for i in chosen], mel, oracle)[0] if chosen
                 else {k: v[:1] for k, v in train.items()})
        stats = row_stats(train)
        model.set_stats(stats["mel_mean"], stats["mel_std"])
        model.set_variance_stats(stats["duration_mean"], stats["pitch"], stats["energy"])
        objective = Objective(cfg.task, model.loss, {"converter": model}, ["converter"])
        from regen.speech.tts.callbacks import AlignmentSnapshots  # Lightning only when training

        snapshots = AlignmentSnapshots(model, {k: v[:1] for k, v in valid.items()}, Path(run_dir) / "alignments",
                                       cfg.trainer.val_every)
        data = {"corpus": corpus, "train_utterances": int(len(train["cond"])), "skipped_utterances": skipped,
                "durations": cfg.model.durations, "voices": sorted(index), "held_out": [i.id for i in held],
                "skipped_files": len(report.problems), "fingerprint": fingerprint(train["cond"], train["target"])}
        return TrainingPlan([Phase("converter", objective, train, cfg.phases["converter"], valid, [snapshots])], data)

    def _speaker(self, cfg: RunConfig, model: nn.Module):
        from regen.speech.tts.duration.speak import DurationSpeaker, build_renderer

        mel = mel_config_of(cfg)
        renderer = build_renderer(cfg.sample.renderer, mel, cfg.sample.vocoder, cfg.sample.iterations)
        return DurationSpeaker(model, mel, renderer)

    def _say(self, speaker, cfg: RunConfig, text: str):
        return speaker.say(text, voice=cfg.sample.voice or None, rate=cfg.sample.rate,
                           pitch_shift=cfg.sample.pitch_shift)

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """Say the first `n` held-out sentences of the corpus builder's list: WAV and alignment PNG each
        (the model is deterministic: `seed` and `temperature` change nothing)."""
        from regen.speech.data.audio import save_wav
        from regen.speech.features.figures import save_alignment_png

        speaker, files = self._speaker(cfg, model), []
        for k, text in enumerate(held_out_texts(n), start=1):
            speech = self._say(speaker, cfg, text)
            files.append(save_wav(out_dir / f"{k:04d}.wav", speech.wave, speech.sample_rate))
            files.append(save_alignment_png(out_dir / f"{k:04d}-alignment.png", speech.alignment(), text))
        return files

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float | str]:
        """Corpus-level recogniser WER, success and real-time factor on held-out sentences (text only: no
        recording needed). The path is monotonic and complete by construction, so `success` is the share
        of texts whose every sentence is within the attention models' stopping limit (0.5 s + 0.25 s per
        symbol)."""
        from regen.core.progress import progress
        from regen.speech.evaluation.recognizer import recognizer
        from regen.speech.features.measures import word_error_rate

        speaker, refs, hyps, ok, seconds, audio = self._speaker(cfg, model), [], [], 0, 0.0, 0.0
        texts = held_out_texts(cfg.sample.eval_sentences)
        for text in progress(texts, desc="evaluating: saying held-out sentences", unit="sentence"):
            started = time.perf_counter()
            speech = self._say(speaker, cfg, text)
            seconds += time.perf_counter() - started
            audio += speech.seconds
            frame_seconds = speaker.mel.hop_length / speaker.mel.sample_rate
            ok += all(d.sum() * frame_seconds <= 0.5 + MAX_SECONDS_PER_SYMBOL * len(d) for d in speech.durations)
            refs.append(text)
            hyps.append(recognizer().transcribe(speech.wave, speech.sample_rate))
        return {"wer": word_error_rate(refs, hyps), "success": ok / len(refs), "rtf": seconds / max(audio, 1e-9),
                "eval_set": f"{len(refs)} held-out King James sentences (phones input, {cfg.sample.renderer} "
                            f"renderer{', voice ' + cfg.sample.voice if cfg.sample.voice else ''}), heard by PocketSphinx"}
