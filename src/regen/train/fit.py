"""Fit one `Objective` with a Lightning Trainer built from config."""

from __future__ import annotations

import logging
import signal
import warnings
from pathlib import Path
from typing import Any, Sequence

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from regen.core.errors import RegenError
from regen.core.objective import Objective
from regen.core.threads import apply_threads
from regen.train.callbacks import LossLogger, PhaseProgressBar, SaveOnInterrupt, TimeLimit, TrimOnStart
from regen.train.config import PhaseConfig, TrainerConfig
from regen.train.data import Mixture
from regen.train.module import ObjectiveModule

LAST = "last.ckpt"


def _quiet_lightning() -> None:
    for name in ("lightning.pytorch", "lightning.fabric", "lightning.pytorch.utilities.rank_zero"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*LeafSpec.*")
    warnings.filterwarnings("ignore", message=".*IterableDataset.*__len__.*")
    warnings.filterwarnings("ignore", message=".*You're resuming from a checkpoint that ended before.*")
    warnings.filterwarnings("ignore", message=".*[Cc]heckpoint directory.*exists and is not empty.*")


def _sigterm_as_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def build_trainer(cfg: TrainerConfig, phase: PhaseConfig, run_dir: Path,
                  callbacks: Sequence[L.Callback] = (), validate: bool = True) -> L.Trainer:
    """A Trainer for one phase: devices, strategy, precision, accumulation, clipping,
    periodic checkpoints to `run_dir/checkpoints/last.ckpt` (and one where a time limit stops it),
    loss log to `run_dir/metrics.csv`."""
    ckpt_dir = run_dir / "checkpoints"
    limit = [TimeLimit(cfg.max_minutes, ckpt_dir / LAST)] if cfg.max_minutes else []
    periodic = ModelCheckpoint(dirpath=ckpt_dir, filename="step-{step}", every_n_train_steps=cfg.ckpt_every,
                               save_last=True, save_top_k=1, monitor="step", mode="max", auto_insert_metric_name=False)
    return L.Trainer(
        accelerator=cfg.accelerator, devices=cfg.devices, num_nodes=cfg.num_nodes, strategy=cfg.strategy,
        precision=cfg.precision, accumulate_grad_batches=cfg.accumulate,
        gradient_clip_val=cfg.clip or None, max_steps=phase.max_steps, max_epochs=-1,
        val_check_interval=cfg.val_every * cfg.accumulate, check_val_every_n_epoch=None,
        num_sanity_val_steps=0, limit_val_batches=None if validate else 0, log_every_n_steps=cfg.log_every,
        logger=LossLogger(run_dir),
        enable_progress_bar=cfg.progress, enable_model_summary=False, default_root_dir=run_dir,
        use_distributed_sampler=False, deterministic=False,
        callbacks=[periodic, TrimOnStart(),
                   SaveOnInterrupt(ckpt_dir / LAST), *limit,
                   *([PhaseProgressBar(run_dir.name)] if cfg.progress else []),
                   *callbacks],
    )


def fit_objective(objective: Objective, train_data: dict[str, torch.Tensor] | Mixture, phase: PhaseConfig,
                  trainer_cfg: TrainerConfig, run_dir: str | Path, seed: int,
                  valid_data: dict[str, torch.Tensor] | None = None, resume: bool = False,
                  callbacks: Sequence[L.Callback] = ()) -> L.Trainer:
    """Train `objective` for `phase.max_steps` optimizer steps; returns the finished Trainer.

    With `resume`, training continues from `run_dir/checkpoints/last.ckpt`
    (loaded with weights_only=True) and follows the same loss curve.
    """
    _quiet_lightning()
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    on_cpu = trainer_cfg.accelerator == "cpu" or (trainer_cfg.accelerator == "auto" and not torch.cuda.is_available())
    apply_threads(trainer_cfg.threads, processes=trainer_cfg.devices if on_cpu else 1)
    ckpt = run_dir / "checkpoints" / LAST
    ckpt_path = None
    if resume:
        if not ckpt.exists():
            raise RegenError(f"cannot resume: {ckpt} does not exist; run without --resume to start afresh")
        ckpt_path = str(ckpt)
    elif ckpt.exists():
        raise RegenError(f"{run_dir} already holds a run; pass --resume to continue it or choose another --run-dir")
    L.seed_everything(seed, verbose=False)
    module = ObjectiveModule(objective, phase, train_data, valid_data, seed, trainer_cfg.accumulate,
                            trainer_cfg.log_every)
    trainer = build_trainer(trainer_cfg, phase, run_dir, callbacks, validate=bool(valid_data))
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        trainer.fit(module, ckpt_path=ckpt_path, weights_only=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return trainer
