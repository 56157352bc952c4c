"""Run a model's training phases in order, each resumable, each leaving its weights."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from regen.core.errors import RegenError
from regen.core.objective import Objective
from regen.train.callbacks import last_value
from regen.train.config import PhaseConfig, TrainerConfig
from regen.train.fit import LAST, fit_objective


@dataclass
class Phase:
    """One phase: an objective, its data (name -> (N, ...) tensors) and its optimisation."""

    name: str
    objective: Objective
    data: dict[str, torch.Tensor]
    config: PhaseConfig
    valid: dict[str, torch.Tensor] | None = None


def _restore(model: nn.Module, saved: dict[str, torch.Tensor], phase_dir: Path) -> None:
    own = model.state_dict()
    bad = [k for k, v in saved.items() if k not in own or own[k].shape != v.shape]
    if bad:
        raise RegenError(f"{phase_dir} was trained with another model config ({bad[0]} differs); "
                         "use a new --run-dir or the config it was made with")
    model.load_state_dict(saved, strict=False)


def run_phases(model: nn.Module, phases: list[Phase], trainer_cfg: TrainerConfig, run_dir: Path,
               seed: int, resume: bool) -> tuple[dict[str, dict], bool]:
    """Train `phases` in order under `run_dir/<phase>/`.

    A finished phase writes the weights of the parts it trained (named as in `model`,
    whose attributes must carry the objective's part names) to `weights.safetensors` and a
    `summary.json`; with `resume` such phases are loaded instead of retrained and an
    unfinished one continues from its last checkpoint. Returns (summaries, is_global_zero).
    """
    summaries: dict[str, dict] = {}
    is_zero = True
    for index, phase in enumerate(phases):
        phase_dir = run_dir / phase.name
        weights, summary_file = phase_dir / "weights.safetensors", phase_dir / "summary.json"
        if resume and weights.exists() and summary_file.exists():
            _restore(model, load_file(str(weights)), phase_dir)
            summaries[phase.name] = json.loads(summary_file.read_text())
            continue
        started = time.perf_counter()
        trainer = fit_objective(phase.objective, phase.data, phase.config, trainer_cfg, phase_dir,
                                seed + index, phase.valid,
                                resume=resume and (phase_dir / "checkpoints" / LAST).exists())
        is_zero = trainer.is_global_zero
        losses = phase_dir / "losses.csv"
        summary = {"steps": trainer.global_step, "world_size": trainer.world_size, "seconds": round(time.perf_counter() - started, 2),
                   "examples": len(next(iter(phase.data.values()))),
                   "train_loss": last_value(losses, "train/loss") if is_zero else None,
                   "valid_loss": last_value(losses, "valid/loss") if is_zero else None}
        summaries[phase.name] = summary
        if is_zero:
            tmp = phase_dir / ".weights.tmp"
            trained = {f"{name}.{key}": value.detach().cpu().contiguous()
                       for name in phase.objective.trainable
                       for key, value in phase.objective.parts[name].state_dict().items()}
            save_file(trained, str(tmp))
            os.replace(tmp, weights)
            summary_file.write_text(json.dumps(summary, indent=2) + "\n")
    return summaries, is_zero
