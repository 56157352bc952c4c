"""Train, load and evaluate the WaveRNN vocoder (`regen.speech.vocoder`) without a script.

`train_vocoder` fits the renderer on audio only and writes a checkpoint directory
whose config holds `task: vocoder`; `load_vocoder` rebuilds it; `evaluate_vocoder`
compares it with Griffin-Lim on held-out utterances (MCD, spectral convergence) and
measures its real-time factor (generation seconds / audio seconds).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from regen.core.checkpoint import load_weights, read_checkpoint, save_checkpoint
from regen.core.config import apply_overrides, parse, read_yaml, to_dict
from regen.core.errors import ConfigError
from regen.core.objective import Objective
from regen.core.provenance import command_line, fingerprint, git_commit, seed_everything
from regen.speech.corpus_load import Item, load_audio
from regen.speech.inversion import invert_log_mel
from regen.speech.mel import MelConfig, load_mel_config, log_mel
from regen.speech.metrics import compare_waveforms
from regen.speech.vocoder import VocoderRunConfig, WaveRNNVocoder
from regen.speech.vocoder_data import STATS_FILE, load_items, mel_stats, segments, split_items
from regen.train.fit import fit_objective


def load_vocoder_config(path: str | Path, overrides: Sequence[str] = ()) -> VocoderRunConfig:
    """Read, override (`a.b=value`) and validate a vocoder YAML config."""
    return parse(VocoderRunConfig, apply_overrides(read_yaml(path), list(overrides)), str(path))


def build_vocoder(cfg: VocoderRunConfig) -> tuple[WaveRNNVocoder, MelConfig]:
    """The (untrained) network of `cfg` and its mel config; checks they agree."""
    mel = load_mel_config(cfg.model.mel)
    if (mel.n_mels, mel.hop_length) != (cfg.model.n_mels, cfg.model.hop):
        raise ConfigError(f"model.n_mels/hop ({cfg.model.n_mels}, {cfg.model.hop}) disagree with mel config "
                          f"'{cfg.model.mel}' ({mel.n_mels}, {mel.hop_length})")
    return WaveRNNVocoder(cfg.model, mel.sample_rate, mel.name), mel


def train_vocoder(cfg: VocoderRunConfig, corpus_dir: str | Path, run_dir: str | Path, resume: bool = False,
                  out: str | Path | None = None) -> Path:
    """Fit the vocoder on `corpus_dir` (LJSpeech layout) and save a checkpoint; returns its path.

    Lightning state goes to `run_dir/checkpoints` (resumable with `resume`), the mel
    statistics to `run_dir/mel_stats.json`, the checkpoint to `out` (default `run_dir/vocoder`).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    seed_everything(cfg.seed)
    model, mel = build_vocoder(cfg)
    report = load_items(corpus_dir, mel)
    train, held = split_items(report, cfg.data.valid_utterances)
    if cfg.data.max_utterances:
        train = train[:cfg.data.max_utterances]
    stats = mel_stats(train, mel, cfg.data.stats_utterances, run_dir / STATS_FILE)
    model.set_stats(stats.mean, stats.std)
    data = segments(train, mel, stats, cfg.data.chunk_frames, cfg.data.chunks_per_utterance, cfg.seed)
    valid = segments(held, mel, stats, cfg.data.chunk_frames, 1, cfg.seed + 1) if held else None
    objective = Objective("vocoder", model.loss, {"vocoder": model}, ["vocoder"])
    start = time.time()
    trainer = fit_objective(objective, data, cfg.phase, cfg.trainer, run_dir, cfg.seed, valid_data=valid,
                            resume=resume)
    model.eval()
    meta = {"command": command_line(), "git_commit": git_commit(), "seed": cfg.seed,
            "data": {"corpus": str(corpus_dir), "train_utterances": len(train), "held_out": [i.id for i in held],
                     "skipped_files": len(report.problems), "segments": int(len(data["cond"])),
                     "fingerprint": fingerprint(data["cond"], data["target"])},
            "metrics": {"train_steps": int(trainer.global_step), "train_seconds": round(time.time() - start, 1),
                        **{k: round(float(v), 4) for k, v in trainer.callback_metrics.items()}}}
    return save_checkpoint(out or run_dir / "vocoder", model, to_dict(cfg), meta)


def load_vocoder(path: str | Path) -> WaveRNNVocoder:
    """A trained vocoder from a checkpoint directory written by `train_vocoder` (eval mode)."""
    ckpt = read_checkpoint(path, task="vocoder")
    cfg = parse(VocoderRunConfig, ckpt.config, where=str(path))
    model, _ = build_vocoder(cfg)
    return load_weights(model, ckpt).eval()


def evaluate_vocoder(model: WaveRNNVocoder, items: Sequence[Item], mel: MelConfig, gl_iterations: int = 64,
                     seed: int = 0, **controls: float) -> dict[str, float]:
    """Mean MCD (dB) and spectral convergence of vocoder and Griffin-Lim output against the
    recordings of `items`, plus the vocoder's real-time factor (< 1 is faster than real time)."""
    torch.manual_seed(seed)
    rows: dict[str, list[float]] = {k: [] for k in ("vocoder_mcd_db", "vocoder_sc", "gl_mcd_db", "gl_sc")}
    gen_seconds = audio_seconds = 0.0
    for item in items:
        wave = load_audio(item, mel.sample_rate)
        lm = log_mel(wave, mel)
        t0 = time.time()
        voc = model.vocode(lm, **controls).numpy()
        gen_seconds += time.time() - t0
        audio_seconds += len(voc) / mel.sample_rate
        gl = invert_log_mel(lm, mel, "gl", gl_iterations).numpy()
        for name, est in (("vocoder", voc), ("gl", gl)):
            scores = compare_waveforms(wave, est, mel)
            rows[f"{name}_mcd_db"].append(scores["mcd_db"])
            rows[f"{name}_sc"].append(scores["spectral_convergence"])
    result = {k: float(np.mean(v)) for k, v in rows.items()}
    result["vocoder_rtf"] = gen_seconds / max(audio_seconds, 1e-9)
    return result
