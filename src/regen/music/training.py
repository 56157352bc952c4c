"""Train a chorale denoiser from a `MusicConfig` and save it as a checkpoint directory."""

from __future__ import annotations

import time
from pathlib import Path

import lightning as L
import numpy as np
import torch

from regen.core.checkpoint import save_checkpoint
from regen.core.config import to_dict
from regen.core.objective import Objective
from regen.core.provenance import command_line, fingerprint, git_commit, seed_everything
from regen.music.config import MusicConfig
from regen.music.corpus import ChoraleCorpus, load_corpus
from regen.music.model import ChoraleDenoiser
from regen.train.fit import fit_objective


def training_windows(cfg: MusicConfig, corp: ChoraleCorpus) -> tuple[torch.Tensor, torch.Tensor]:
    """Train windows (n, 4, 128) (transposed if configured) and untransposed valid windows."""
    train = corp.windows("train", hop=cfg.data.hop, transpose=cfg.data.transpose)
    valid = corp.windows("valid")
    if cfg.data.max_windows > 0:
        train, valid = train[:cfg.data.max_windows], valid[:cfg.data.max_windows]
    return torch.from_numpy(train).long(), torch.from_numpy(valid).long()


@torch.no_grad()
def validation_nll(model: ChoraleDenoiser, windows: torch.Tensor, seed: int = 0, batch: int = 32) -> float:
    """Mean cross-entropy per corrupted position at the first denoising step (nats),
    over `windows` (n, 4, T) with seeded masks: the validation NLL reported for all objectives."""
    model.eval()
    torch.manual_seed(seed)
    total, count = 0.0, 0
    for i in range(0, len(windows), batch):
        chunk = windows[i:i + batch]
        out = model.loss({"target": chunk})
        n = float(out["masked_fraction"]) * chunk.numel()
        total += float(out["nll_1"]) * n
        count += n
    return total / max(count, 1.0)


class _StartStep(L.Callback):
    """Remembers the step training (re)started at, so throughput counts only this session."""

    step = 0

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.step = int(trainer.global_step)


def train_music(cfg: MusicConfig, run_dir: str | Path, out_dir: str | Path, resume: bool = False,
                corp: ChoraleCorpus | None = None) -> Path:
    """Fit the configured model, then write a checkpoint to `out_dir`; returns it."""
    corp = corp or load_corpus()
    train, valid = training_windows(cfg, corp)
    seed_everything(cfg.seed)
    model = ChoraleDenoiser(cfg.model)
    objective = Objective(f"music-{cfg.model.objective}", model.loss, {"denoiser": model}, ["denoiser"])
    start, first = time.time(), _StartStep()
    trainer = fit_objective(objective, {"target": train}, cfg.phase, cfg.trainer, run_dir, cfg.seed,
                            valid_data={"target": valid}, resume=resume, callbacks=[first])
    seconds = time.time() - start
    steps = int(trainer.global_step)
    metrics = {"valid_nll": validation_nll(model, valid, cfg.seed), "train_steps": steps,
               "train_seconds": round(seconds, 1),
               "train_examples_per_s": round((steps - first.step) * cfg.phase.batch_size / max(seconds, 1e-9), 2)}
    meta = {"command": command_line(), "git_commit": git_commit(), "seed": cfg.seed,
            "data": {"corpus": f"music21 Bach chorales ({len(corp.names)} four-part)",
                     "corpus_fingerprint": corp.fingerprint, "train_fingerprint": fingerprint(train.numpy()),
                     "train_windows": int(len(train))},
            "metrics": metrics}
    config = to_dict(cfg)
    return save_checkpoint(out_dir, model, config, meta)


def parameter_count(model: torch.nn.Module) -> int:
    """Number of parameters of a model."""
    return int(sum(np.prod(p.shape) for p in model.parameters()))
