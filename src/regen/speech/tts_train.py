"""Train and load the text -> speech converters (RepMix TTS, R-MelNet) and the Direct baseline.

One entry point for the three paired-data models, told apart by the config's
`task`: `speech-repmix` (target: log-mel), `speech-rmelnet` (target: the first
MelNet tier of its own log-mel) and `speech-direct` (target: waveform frames).
`train_tts` builds the rows (`regen.speech.tts_data`), fits with Lightning
(resumable), draws the teacher-forced attention of a held-out phrase as a PNG
every `trainer.val_every` steps (`run_dir/alignments/`), and writes a checkpoint
directory (safetensors + config + meta with command, commit, seed, data).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch

from regen.core.checkpoint import load_weights, read_checkpoint, save_checkpoint
from regen.core.config import apply_overrides, parse, read_yaml, to_dict
from regen.core.errors import ConfigError, RegenError
from regen.core.objective import Objective
from regen.core.provenance import command_line, fingerprint, git_commit, seed_everything
from regen.speech.corpus_load import Item
from regen.speech.direct_tts import DirectRunConfig, DirectTTS
from regen.speech.figures import save_alignment_png
from regen.speech.mel import MelConfig, MelStats, compute_stats, load_mel_config
from regen.speech.rmelnet import RMelNet, RMelNetRunConfig
from regen.speech.repmix_tts import RepMixRunConfig, RepMixTTS
from regen.speech.tts_data import (Segment, TargetKind, build_rows, segment_audio,
                                   training_segments, trim_batch, tts_split)
from regen.speech.vocoder_data import load_items
from regen.train.fit import fit_objective

RUN_CONFIGS: dict[str, type] = {"speech-repmix": RepMixRunConfig, "speech-rmelnet": RMelNetRunConfig,
                                "speech-direct": DirectRunConfig}
TTSRunConfig = RepMixRunConfig | RMelNetRunConfig | DirectRunConfig
TTSModel = RepMixTTS | RMelNet
STATS_FILE = "tts_stats.json"


def parse_tts_config(raw: dict[str, Any], where: str) -> TTSRunConfig:
    """A validated run config of the task named in `raw['task']`."""
    task = raw.get("task") if isinstance(raw, dict) else None
    if task not in RUN_CONFIGS:
        raise ConfigError(f"{where}: task must be one of {', '.join(RUN_CONFIGS)}, got {task!r}")
    return parse(RUN_CONFIGS[task], raw, where)


def load_tts_config(path: str | Path, overrides: Sequence[str] = ()) -> TTSRunConfig:
    """Read, override (`a.b=value`) and validate a TTS YAML config of any of the three tasks."""
    return parse_tts_config(apply_overrides(read_yaml(path), list(overrides)), str(path))


def mel_config_of(cfg: TTSRunConfig) -> MelConfig:
    """The log-mel settings the model's targets are computed with (configs/speech/logmel-*.yaml)."""
    mel = load_mel_config(f"logmel-{cfg.model.mel}")
    if isinstance(cfg, RMelNetRunConfig):
        m = cfg.model
        if (mel.tier_time_factor, mel.tier_freq_factor, mel.n_mels) != (m.time_factor, m.freq_factor,
                                                                        m.tier_bins * m.freq_factor):
            raise ConfigError(f"model time/freq factors and tier_bins disagree with mel config '{mel.name}'")
    elif isinstance(cfg, DirectRunConfig):
        if cfg.model.n_mels != mel.hop_length:
            raise ConfigError(f"a Direct model's n_mels is samples per frame and must equal the hop "
                              f"{mel.hop_length} of mel config '{mel.name}', got {cfg.model.n_mels}")
    elif cfg.model.n_mels != mel.n_mels:
        raise ConfigError(f"model.n_mels {cfg.model.n_mels} disagrees with mel config '{mel.name}' ({mel.n_mels})")
    return mel


def build_tts(cfg: TTSRunConfig) -> tuple[TTSModel, MelConfig]:
    """The untrained network of `cfg` and its mel config."""
    mel = mel_config_of(cfg)
    if isinstance(cfg, RMelNetRunConfig):
        return RMelNet(cfg.model), mel
    if isinstance(cfg, DirectRunConfig):
        return DirectTTS(cfg.model, mel.sample_rate), mel
    return RepMixTTS(cfg.model), mel


def target_kind(cfg: TTSRunConfig) -> TargetKind:
    """What the rows' `target` holds for this task."""
    return "tier" if isinstance(cfg, RMelNetRunConfig) else "wave" if isinstance(cfg, DirectRunConfig) else "mel"


def training_stats(cfg: TTSRunConfig, items: Sequence[Item], mel: MelConfig, cache: Path) -> MelStats:
    """Per-bin log-mel statistics (or, for Direct, the audio's std in every column), cached as JSON."""
    if cache.is_file():
        stats = MelStats.load(cache)
        if stats.config != mel.name:
            raise RegenError(f"{cache} holds statistics of '{stats.config}', not '{mel.name}'; delete it")
        return stats
    chosen = items[: cfg.data.stats_utterances or len(items)]
    if isinstance(cfg, DirectRunConfig):
        waves = [segment_audio(Segment(i, i.normalized, 0.0, i.seconds), mel.sample_rate) for i in chosen]
        std = float(np.sqrt(np.mean([float(np.mean(w.astype(np.float64) ** 2)) for w in waves])))
        n = cfg.model.n_mels
        stats = MelStats(mel.name, [0.0] * n, [max(std, 1e-4)] * n, sum(len(w) for w in waves) // n, len(waves))
    else:
        stats = compute_stats((segment_audio(Segment(i, i.normalized, 0.0, i.seconds), mel.sample_rate)
                               for i in chosen), mel)
    stats.save(cache)
    return stats


class AlignmentSnapshots(L.Callback):
    """Every `every` optimizer steps, draw the teacher-forced attention of one held-out row."""

    def __init__(self, model: TTSModel, example: dict[str, torch.Tensor], folder: Path, every: int) -> None:
        self.model, self.example, self.folder, self.every = model, example, folder, every

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        step = trainer.global_step
        if step % self.every or not trainer.is_global_zero:
            return
        was_training = self.model.training
        self.model.eval()
        align = self.model.teacher_forced_alignment(self.example)[0]
        self.model.train(was_training)
        tokens = int((self.example["cond"][0].abs().sum(-1) > 0).sum())
        save_alignment_png(self.folder / f"step-{step:06d}.png", align[:, :tokens].cpu().numpy(),
                           f"teacher-forced attention, step {step}")


@dataclass
class TTSData:
    """Rows for training and validation, and what they came from."""

    train: dict[str, torch.Tensor]
    valid: dict[str, torch.Tensor]
    train_utterances: int
    phrases: int
    held_out: list[str]
    skipped_files: int


def tts_data(cfg: TTSRunConfig, train_items: Sequence[Item], held: Sequence[Item], mel: MelConfig,
             skipped_files: int = 0, progress: bool = True) -> TTSData:
    """Training rows from the training utterances, validation rows from phrases of the held-out ones."""
    kind = target_kind(cfg)
    frame = cfg.model.n_mels if isinstance(cfg, DirectRunConfig) else 0
    segments = training_segments(train_items, cfg.data)
    train = build_rows(segments, mel, cfg.data, cfg.seed, kind, frame, progress=progress)
    valid_segments = training_segments(held, cfg.data)[: cfg.data.valid_utterances] or segments[:1]
    valid = build_rows(valid_segments, mel, cfg.data, cfg.seed + 1, kind, frame)
    return TTSData(train, valid, len(train_items), len(segments), [i.id for i in held], skipped_files)


def train_tts(cfg: TTSRunConfig, corpus_dir: str | Path, run_dir: str | Path, resume: bool = False,
              out: str | Path | None = None) -> Path:
    """Fit the model of `cfg` on `corpus_dir` and save a checkpoint; returns its path.

    Lightning state goes to `run_dir/checkpoints` (resumable with `resume`), statistics
    to `run_dir/tts_stats.json`, alignments to `run_dir/alignments/`, the checkpoint to
    `out` (default `run_dir/model`).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    seed_everything(cfg.seed)
    model, mel = build_tts(cfg)
    report = load_items(corpus_dir, mel)
    train_items, held = tts_split(report)
    data = tts_data(cfg, train_items, held, mel, len(report.problems), progress=cfg.trainer.progress)
    stats = training_stats(cfg, train_items, mel, run_dir / STATS_FILE)
    model.set_stats(stats.mean, stats.std)
    objective = Objective(cfg.task, lambda batch: model.loss(trim_batch(batch)), {"converter": model}, ["converter"])
    example = trim_batch({k: v[:1] for k, v in data.valid.items()})
    snapshots = AlignmentSnapshots(model, example, run_dir / "alignments", cfg.trainer.val_every)
    start = time.time()
    trainer = fit_objective(objective, data.train, cfg.phase, cfg.trainer, run_dir, cfg.seed, valid_data=data.valid,
                            resume=resume, callbacks=[snapshots])
    model.eval()
    meta = {"command": command_line(), "git_commit": git_commit(), "seed": cfg.seed,
            "data": {"corpus": str(corpus_dir), "train_utterances": data.train_utterances, "phrases": data.phrases,
                     "rows": int(len(data.train["cond"])), "held_out": data.held_out,
                     "skipped_files": data.skipped_files,
                     "fingerprint": fingerprint(data.train["cond"], data.train["target"])},
            "metrics": {"train_steps": int(trainer.global_step), "train_seconds": round(time.time() - start, 1),
                        **{k: round(float(v), 4) for k, v in trainer.callback_metrics.items()}}}
    return save_checkpoint(out or run_dir / "model", model, to_dict(cfg), meta)


def load_tts(path: str | Path) -> tuple[TTSModel, TTSRunConfig]:
    """A trained converter (or Direct model) and its config from a checkpoint directory (eval mode)."""
    ckpt = read_checkpoint(path)
    cfg = parse_tts_config(ckpt.config, where=str(path))
    model, _ = build_tts(cfg)
    return load_weights(model, ckpt).eval(), cfg
