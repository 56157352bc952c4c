"""The three text -> speech tasks: RepMix TTS and R-MelNet (converters to a log-mel Y') and the
Direct baseline (text -> waveform frames), registered as `speech-repmix`, `speech-rmelnet`
and `speech-direct`.

Training rows come from `data.corpus` (`regen.speech.tts.data`); one phase, `converter`,
fits the network (resumable), drawing the teacher-forced attention of a held-out phrase
as a PNG every `trainer.val_every` steps (`run_dir/alignments/`). Evaluation says the
corpus builder's held-out sentences (`sample.eval_sentences`, no recordings needed) and
scores them by an off-the-shelf recogniser's word error rate, alignment success and speed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from torch import nn

from regen.core.errors import ConfigError, RegenError
from regen.core.objective import Objective, Truncation
from regen.core.provenance import fingerprint
from regen.core.run_config import RunConfig
from regen.core.task import Task, TrainingPlan, register
from regen.speech.data.load import Item
from regen.speech.data.sentences import held_out_texts
from regen.speech.features.mel import MelConfig, MelStats, compute_stats, load_mel_config
from regen.speech.tts.data import (Segment, TargetKind, TTSDataConfig, build_rows, segment_audio, training_segments,
                                   trim_batch, tts_split)
from regen.speech.tts.direct import DirectConfig, DirectTTS
from regen.speech.tts.repmix import RepMixConfig, RepMixTTS
from regen.speech.tts.rmelnet import RMelNet, RMelNetConfig
from regen.speech.vocoder.data import load_items
from regen.train.config import PhaseConfig
from regen.train.plan import Phase

TTSModel = RepMixTTS | RMelNet
STATS_FILE = "tts_stats.json"


@dataclass
class TTSSampleConfig:
    """How `regen sample` / `regen evaluate` say text: renderer (gl | lbfgs), its iterations,
    the input mode, and how many held-out sentences evaluation says."""

    renderer: Literal["gl", "lbfgs"] = "gl"
    iterations: int = 64
    input_mode: Literal["mixed", "chars", "phones"] = "mixed"
    eval_sentences: int = 8

    def __post_init__(self) -> None:
        if self.iterations < 1 or self.eval_sentences < 1:
            raise ValueError("iterations and eval_sentences must be >= 1")


def mel_config_of(cfg: RunConfig) -> MelConfig:
    """The log-mel settings the model's targets are computed with (configs/speech/logmel-*.yaml)."""
    mel = load_mel_config(f"logmel-{cfg.model.mel}")
    m = cfg.model
    if cfg.task == "speech-rmelnet":
        if (mel.tier_time_factor, mel.tier_freq_factor, mel.n_mels) != (m.time_factor, m.freq_factor,
                                                                        m.tier_bins * m.freq_factor):
            raise ConfigError(f"model time/freq factors and tier_bins disagree with mel config '{mel.name}'")
    elif cfg.task == "speech-direct":
        if m.n_mels != mel.hop_length:
            raise ConfigError(f"a Direct model's n_mels is samples per frame and must equal the hop "
                              f"{mel.hop_length} of mel config '{mel.name}', got {m.n_mels}")
    elif m.n_mels != mel.n_mels:
        raise ConfigError(f"model.n_mels {m.n_mels} disagrees with mel config '{mel.name}' ({mel.n_mels})")
    return mel


def target_kind(cfg: RunConfig) -> TargetKind:
    """What the rows' `target` holds for this task."""
    return {"speech-rmelnet": "tier", "speech-direct": "wave"}.get(cfg.task, "mel")


def training_stats(cfg: RunConfig, items: Sequence[Item], mel: MelConfig, cache: Path) -> MelStats:
    """Per-bin log-mel statistics (or, for Direct, the audio's std in every column), cached as JSON."""
    if cache.is_file():
        stats = MelStats.load(cache)
        if stats.config != mel.name:
            raise RegenError(f"{cache} holds statistics of '{stats.config}', not '{mel.name}'; delete it")
        return stats
    chosen = items[: cfg.data.stats_utterances or len(items)]
    waves = (segment_audio(Segment(i, i.normalized, 0.0, i.seconds), mel.sample_rate) for i in chosen)
    if cfg.task == "speech-direct":
        waves = list(waves)
        std = float(np.sqrt(np.mean([float(np.mean(w.astype(np.float64) ** 2)) for w in waves])))
        n = cfg.model.n_mels
        stats = MelStats(mel.name, [0.0] * n, [max(std, 1e-4)] * n, sum(len(w) for w in waves) // n, len(waves))
    else:
        stats = compute_stats(waves, mel)
    stats.save(cache)
    return stats


class TTSTask(Task):
    """Shared training, sampling and evaluation of the text -> speech tasks."""

    domain = "speech"
    data_config = TTSDataConfig
    sample_config = TTSSampleConfig

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"converter": PhaseConfig(max_steps=4000, batch_size=16, lr=3e-3, warmup=20)}

    def check_config(self, cfg: RunConfig, where: str) -> None:
        try:
            mel_config_of(cfg)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        mel = mel_config_of(cfg)
        report = load_items(cfg.data.corpus, mel)
        train_items, held = tts_split(report)
        kind, frame = target_kind(cfg), cfg.model.n_mels if cfg.task == "speech-direct" else 0
        segments = training_segments(train_items, cfg.data)
        positions = isinstance(model, RepMixTTS) and model.cfg.timing_prior
        train = build_rows(segments, mel, cfg.data, cfg.seed, kind, frame, progress=cfg.trainer.progress,
                           positions=positions, stacked=True)
        valid_segments = training_segments(held, cfg.data)[: cfg.data.valid_utterances] or segments[:1]
        valid = build_rows(valid_segments, mel, cfg.data, cfg.seed + 1, kind, frame, positions=positions)
        stats = training_stats(cfg, train_items, mel, Path(run_dir) / STATS_FILE)
        model.set_stats(stats.mean, stats.std)
        # RepMix (and Direct) train by truncated BPTT, one optimizer step per chunk of their decoder
        chunks = Truncation("target_lengths", model.chunk_frames, model) if isinstance(model, RepMixTTS) else None
        objective = Objective(cfg.task, lambda batch: model.loss(trim_batch(batch)), {"converter": model},
                              ["converter"], truncation=chunks)
        example = trim_batch({k: v[:1] for k, v in valid.items()})
        from regen.speech.tts.callbacks import AlignmentSnapshots  # Lightning only when training

        snapshots = AlignmentSnapshots(model, example, Path(run_dir) / "alignments", cfg.trainer.val_every)
        data = {"corpus": str(cfg.data.corpus), "train_utterances": len(train_items), "phrases": len(segments),
                "spellings": int(train["cond"].shape[1]), "held_out": [i.id for i in held],
                "skipped_files": len(report.problems), "fingerprint": fingerprint(train["cond"], train["target"])}
        return TrainingPlan([Phase("converter", objective, train, cfg.phases["converter"], valid, [snapshots])], data)

    def _speaker(self, cfg: RunConfig, model: nn.Module):
        from regen.speech.tts.renderers import InversionRenderer
        from regen.speech.tts.speaker import Speaker

        return Speaker(model, cfg, InversionRenderer(mel_config_of(cfg), cfg.sample.renderer, cfg.sample.iterations))

    def _say(self, speaker, cfg: RunConfig, text: str, seed: int):
        """`text` said by `speaker` with the config's sample settings."""
        return speaker.say(text, input_mode=cfg.sample.input_mode, seed=seed)

    def _setting(self, cfg: RunConfig) -> str:
        """How the evaluation speaks, for its `eval_set` line."""
        return f"{cfg.sample.input_mode} input, {cfg.sample.renderer} renderer"

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """Say the first `n` held-out sentences of the corpus builder's list: WAV and alignment PNG each."""
        from regen.speech.data.audio import save_wav
        from regen.speech.features.figures import save_alignment_png

        speaker, files = self._speaker(cfg, model), []
        for k, text in enumerate(held_out_texts(n), start=1):
            speech = self._say(speaker, cfg, text, seed + k)
            files.append(save_wav(out_dir / f"{k:04d}.wav", speech.wave, speech.sample_rate))
            files.append(save_alignment_png(out_dir / f"{k:04d}-alignment.png", speech.alignment(), text))
        return files

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float | str]:
        """Corpus-level recogniser WER, alignment success and real-time factor on held-out sentences
        (text only: no recording needed); `eval_set` names them."""
        from regen.core.progress import progress
        from regen.speech.evaluation.recognizer import recognizer
        from regen.speech.features.measures import word_error_rate

        speaker, refs, hyps, ok, seconds, audio = self._speaker(cfg, model), [], [], 0, 0.0, 0.0
        texts = held_out_texts(cfg.sample.eval_sentences)
        for k, text in enumerate(progress(texts, desc="evaluating: saying held-out sentences", unit="sentence")):
            started = time.perf_counter()
            speech = self._say(speaker, cfg, text, k)
            seconds += time.perf_counter() - started
            audio += speech.seconds
            ok += all(p.success for p in speech.phrases)
            refs.append(text)
            hyps.append(recognizer().transcribe(speech.wave, speech.sample_rate))
        return {"wer": word_error_rate(refs, hyps), "success": ok / len(refs), "rtf": seconds / max(audio, 1e-9),
                "eval_set": f"{len(refs)} held-out King James sentences ({self._setting(cfg)}), heard by PocketSphinx"}


@register
class RepMixTask(TTSTask):
    """Representation Mixing TTS (thesis ch. 4): text -> 80-band log-mel."""

    name = "speech-repmix"
    model_config = RepMixConfig
    demo = "regen.speech.demo"

    def build(self, cfg: RunConfig) -> nn.Module:
        return RepMixTTS(cfg.model)


@register
class RMelNetTask(TTSTask):
    """R-MelNet (thesis ch. 6): text -> first MelNet tier, up-sampled to the full log-mel."""

    name = "speech-rmelnet"
    model_config = RMelNetConfig

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"converter": PhaseConfig(max_steps=2000, batch_size=16, lr=3e-3, warmup=20)}

    def build(self, cfg: RunConfig) -> nn.Module:
        return RMelNet(cfg.model)


@register
class DirectTTSTask(TTSTask):
    """The Direct baseline: RepMix's network predicting waveform frames, no log-mel (`model.loss`: mse | stft)."""

    name = "speech-direct"
    model_config = DirectConfig

    def build(self, cfg: RunConfig) -> nn.Module:
        return DirectTTS(cfg.model, mel_config_of(cfg).sample_rate)
