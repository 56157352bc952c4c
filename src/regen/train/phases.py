"""Run a model's training phases in order, each resumable, each leaving its weights."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from regen.core.errors import RegenError
from regen.core.files import atomic_path, atomic_write_text
from regen.train.callbacks import BestWeights, TimedSnapshots, TrainClock, last_value
from regen.train.config import PhaseConfig, TrainerConfig
from regen.train.data import data_rows
from regen.train.fit import LAST, fit_objective
from regen.train.plan import Phase


def _part_prefix(model: nn.Module, part: nn.Module) -> str:
    """Where `part` sits in `model` ('' for the model itself, else 'name.')."""
    for name, module in model.named_modules():
        if module is part:
            return f"{name}." if name else ""
    raise ValueError("an objective trains a module that is not part of the model")


def _restore(model: nn.Module, saved: dict[str, torch.Tensor], phase_dir: Path) -> None:
    own = model.state_dict()
    bad = [k for k, v in saved.items() if k not in own or own[k].shape != v.shape]
    if bad:
        raise RegenError(f"{phase_dir} was trained with another model config ({bad[0]} differs); "
                         "use a new --run-dir or the config it was made with")
    model.load_state_dict(saved, strict=False)


def _finished(summary: dict[str, Any], phase: PhaseConfig, trainer_cfg: TrainerConfig) -> bool:
    """Whether a phase's summary says it is done under the current configs: it reached `max_steps`
    or stopped early (`patience`), or it stopped at its time limit before `max_steps` and the limit has not grown (a summary is
    written only when training ends normally, never on an interrupt)."""
    if summary.get("steps", 0) >= phase.max_steps or summary.get("stopped_early"):
        return True
    limit = summary.get("max_minutes", 0)
    timed_out = bool(summary.get("time_limited", limit))  # summaries before `time_limited` existed: by the limit
    return timed_out and (not trainer_cfg.max_minutes or trainer_cfg.max_minutes <= limit)


def run_phases(model: nn.Module, phases: list[Phase], trainer_cfg: TrainerConfig, run_dir: Path,
               seed: int, resume: bool,
               snapshot: Callable[[Path, dict[str, Any]], None] | None = None) -> tuple[dict[str, dict], bool]:
    """Train `phases` in order under `run_dir/<phase>/`.

    A finished phase writes the weights of the parts it trained (named as in `model`,
    which must contain every trained part) to `weights.safetensors` and a
    `summary.json`; with `resume` such phases are loaded instead of retrained and an
    unfinished one (or one whose `max_steps` or time limit grew) continues from its last checkpoint.
    With `trainer_cfg.snapshot_minutes` and `snapshot`, `snapshot(path, info)` is called at
    those training minutes of each phase (see `TimedSnapshots`). Returns (summaries, is_global_zero).
    """
    summaries: dict[str, dict] = {}
    is_zero = True
    for index, phase in enumerate(phases):
        phase_dir = run_dir / phase.name
        weights, summary_file = phase_dir / "weights.safetensors", phase_dir / "summary.json"
        if resume and weights.exists() and summary_file.exists():
            done = json.loads(summary_file.read_text())
            if _finished(done, phase.config, trainer_cfg):
                print(f"phase {phase.name}: finished earlier ({done.get('steps', 0)} steps, "
                      f"{done.get('seconds', 0.0):.0f} s); its weights are loaded", file=sys.stderr, flush=True)
                _restore(model, load_file(str(weights)), phase_dir)
                summaries[phase.name] = done
                continue
        clock = TrainClock()
        callbacks = [*phase.callbacks, clock]
        best = None
        if phase.config.keep_best and phase.valid:
            best = BestWeights({name: phase.objective.parts[name] for name in phase.objective.trainable},
                               phase.config.patience * trainer_cfg.val_every)
            callbacks.append(best)
        if snapshot is not None and trainer_cfg.snapshot_minutes:
            callbacks.append(TimedSnapshots(phase_dir / "snapshots", trainer_cfg.snapshot_minutes,
                                            lambda path, info, name=phase.name: snapshot(path, {"phase": name, **info})))
        trainer = fit_objective(phase.objective, phase.data, phase.config, trainer_cfg, phase_dir,
                                seed + index, phase.valid,
                                resume=resume and (phase_dir / "checkpoints" / LAST).exists(),
                                callbacks=callbacks)
        is_zero = trainer.is_global_zero
        losses = phase_dir / "metrics.csv"
        summary = {"steps": trainer.global_step, "world_size": trainer.world_size, "seconds": round(clock.seconds, 2),
                   "max_minutes": trainer_cfg.max_minutes,
                   "time_limited": bool(trainer_cfg.max_minutes) and trainer.global_step < phase.config.max_steps,
                   "examples": data_rows(phase.data),
                   "train_loss": last_value(losses, "train/loss") if is_zero else None,
                   "valid_loss": last_value(losses, "valid/loss") if is_zero else None}
        if best is not None:
            best.restore()
            summary.update(best_step=best.step, best_valid_loss=round(best.best, 6), stopped_early=best.stopped)
        summaries[phase.name] = summary
        if is_zero:
            trained = {}
            for name in phase.objective.trainable:
                part = phase.objective.parts[name]
                prefix = _part_prefix(model, part)
                trained.update({f"{prefix}{key}": value.detach().cpu().contiguous()
                                for key, value in part.state_dict().items()})
            with atomic_path(weights) as tmp:
                save_file(trained, str(tmp))
            atomic_write_text(summary_file, json.dumps(summary, indent=2) + "\n")
    return summaries, is_zero
