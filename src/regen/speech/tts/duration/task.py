"""The duration-based text -> speech task, registered as `speech-duration`: FastSpeech 2's converter
(`regen.speech.tts.duration.model`) to a log-mel Y', rendered by the iSTFT vocoder.

Training rows are the whole utterances of `data.corpus` (`regen.speech.tts.duration.data`; no timing
file needed); one phase, `converter`, fits the network (resumable), drawing the hard alignment of a
held-out utterance as a PNG every `trainer.val_every` steps (`run_dir/alignments/`). Sampling and
evaluation are the other text -> speech tasks' (`TTSTask`): the corpus builder's held-out sentences
(`sample.eval_sentences`, text only), an off-the-shelf recogniser's word error rate, alignment
success (a hard monotonic path: by construction) and the real-time factor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from torch import nn

from regen.core.errors import ConfigError, RegenError
from regen.core.objective import Objective
from regen.core.provenance import fingerprint
from regen.core.run_config import RunConfig
from regen.core.task import TrainingPlan, register
from regen.speech.tts.data import tts_split
from regen.speech.tts.duration.data import (DurationDataConfig, build_rows, check_timings, interleave_voices, row_stats,
                                            voice_index)
from regen.speech.tts.duration.direct import DirectDurationConfig, DirectDurationSpeaker, DirectDurationTTS
from regen.speech.tts.duration.model import DurationConfig, DurationTTS
from regen.speech.tts.duration.voices import resolve_voice
from regen.speech.tts.task import TTSTask, mel_config_of
from regen.speech.vocoder.data import load_items
from regen.train.config import PhaseConfig
from regen.train.plan import Phase


@dataclass
class DurationSampleConfig:
    """How `regen sample` / `regen evaluate` say text: the renderer (istft: the vocoder checkpoint
    `vocoder`; gl | lbfgs with `iterations`), the voice (a name in model.speakers; '' the first),
    speaking `rate` and `pitch_shift` in semitones, and how many held-out sentences evaluation says.

    `length_scale` multiplies every predicted duration (Glow-TTS's and Piper's name; > 1 slower): the
    predictor learns the mean of log durations, whose exponential falls short of the mean duration, so
    the model speaks faster than its voices; the shipped value is chosen on development sentences
    (`benchmarks/speech_tts.py --voices --split dev --length-scales ...`). `voice_length_scales` (voice name
    -> factor) multiplies it per voice: `regen speech calibrate` measures each voice's shortfall on its
    training utterances (`duration.calibration`). `--rate` acts on top of both."""

    renderer: Literal["istft", "gl", "lbfgs"] = "istft"
    vocoder: str = "speech/istft-tiny"
    iterations: int = 64
    voice: str = ""
    rate: float = 1.0
    pitch_shift: float = 0.0
    length_scale: float = 1.0
    voice_length_scales: dict[str, float] = field(default_factory=dict)
    eval_sentences: int = 8

    def __post_init__(self) -> None:
        if self.iterations < 1 or self.eval_sentences < 1 or not self.rate > 0 or not 0.25 <= self.length_scale <= 4:
            raise ValueError("iterations and eval_sentences must be >= 1, rate > 0 and length_scale in [0.25, 4]")
        if not all(0.25 <= float(v) <= 4 for v in self.voice_length_scales.values()):
            raise ValueError("every voice_length_scales value must lie in [0.25, 4]")


@register
class DurationTask(TTSTask):
    """Phones -> durations / pitch / energy -> log-mel, non-autoregressive, alignments learned by MAS."""

    name = "speech-duration"
    model_config = DurationConfig
    data_config = DurationDataConfig
    sample_config = DurationSampleConfig
    waveforms = False  # whether the rows carry the audio (the Direct row trains on it)

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"converter": PhaseConfig(max_steps=8000, batch_size=16, lr=1e-3, warmup=400)}

    def check_config(self, cfg: RunConfig, where: str) -> None:
        super().check_config(cfg, where)
        for field_name, voices in (("voice", [cfg.sample.voice] if cfg.sample.voice else []),
                                   ("voice_length_scales", list(cfg.sample.voice_length_scales))):
            for voice in voices:
                try:
                    resolve_voice(cfg.model.speakers, voice)
                except RegenError as exc:
                    raise ConfigError(f"{where}: sample.{field_name}: {exc}") from None

    def build(self, cfg: RunConfig) -> nn.Module:
        return DurationTTS(cfg.model)

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        mel, corpus = mel_config_of(cfg), str(cfg.data.corpus)
        report = load_items(corpus, mel)
        train_items, held = tts_split(report)
        within = lambda items: [i for i in items if cfg.data.min_seconds <= i.seconds <= cfg.data.max_seconds]  # noqa: E731
        train_items, held = interleave_voices(within(train_items))[: cfg.data.max_rows or None], within(held)
        index = voice_index(train_items, cfg.model.speakers, corpus)
        train_items, held = [i for i in train_items if i.speaker in index], [i for i in held if i.speaker in index]
        oracle = cfg.model.durations == "oracle"
        if oracle:
            check_timings(train_items + held, corpus)
        progress = cfg.trainer.progress
        train, skipped = build_rows(train_items, [index[i.speaker] for i in train_items], mel, oracle, progress=progress,
                                    audio=self.waveforms)
        chosen = interleave_voices(held)[: cfg.data.valid_utterances]
        valid = (build_rows(chosen, [index[i.speaker] for i in chosen], mel, oracle, audio=self.waveforms)[0] if chosen
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
        from regen.speech.tts.duration.speak import DurationSpeaker
        from regen.speech.tts.renderers import build_renderer

        renderer = build_renderer(cfg.sample.renderer, mel_config_of(cfg), cfg.sample.vocoder, cfg.sample.iterations)
        return DurationSpeaker(model, cfg, renderer)

    def _say(self, speaker, cfg: RunConfig, text: str, seed: int):
        return speaker.say(text, voice=cfg.sample.voice or None, rate=cfg.sample.rate,
                           pitch_shift=cfg.sample.pitch_shift, seed=seed)

    def _setting(self, cfg: RunConfig) -> str:
        voice = f", voice {cfg.sample.voice}" if cfg.sample.voice else ""
        return f"phones input, {cfg.sample.renderer} renderer{voice}"


@register
class DirectDurationTask(DurationTask):
    """Direct X -> Y of the duration model: its network ending in the iSTFT head, waveform losses (no Y')."""

    name = "speech-duration-direct"
    model_config = DirectDurationConfig
    waveforms = True

    def build(self, cfg: RunConfig) -> nn.Module:
        return DirectDurationTTS(cfg.model)

    def _speaker(self, cfg: RunConfig, model: nn.Module):
        return DirectDurationSpeaker(model, cfg)

    def _setting(self, cfg: RunConfig) -> str:
        voice = f", voice {cfg.sample.voice}" if cfg.sample.voice else ""
        return f"phones input, waveform straight from the model (Direct){voice}"
