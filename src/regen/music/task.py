"""The chorale task: SUNMASK (or Coconet / SUNDAE) denoisers on the Bach chorale grid."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from regen.core.objective import Objective
from regen.core.provenance import fingerprint
from regen.core.run_config import RunConfig
from regen.core.task import Task, TrainingPlan, register
from regen.iterative.denoising_loss import validation_nll
from regen.music.config import ChoraleSampling, DataConfig, ModelConfig
from regen.music.corpus import ChoraleCorpus, load_corpus
from regen.music.model import ChoraleDenoiser
from regen.train.config import PhaseConfig
from regen.train.plan import Phase

SHIPPED = "music/sunmask-conv-tiny"
__all__ = ["SHIPPED", "MusicTask", "training_windows", "validation_nll"]


def training_windows(data: DataConfig, corp: ChoraleCorpus) -> tuple[torch.Tensor, torch.Tensor]:
    """Train windows (n, 4, 128) (transposed if configured, then any `data.augment` windows) and
    untransposed valid windows."""
    train = corp.windows("train", hop=data.hop, transpose=data.transpose)
    valid = corp.windows("valid")
    if data.max_windows > 0:
        train, valid = train[:data.max_windows], valid[:data.max_windows]
    if data.augment:
        from regen.music.augment import load_augmentation

        train = np.concatenate([train, load_augmentation(data.augment)])
    return torch.from_numpy(train).long(), torch.from_numpy(valid).long()


@register
class MusicTask(Task):
    """Chorale grids (4 voices x 16th notes) by iterative masked denoising."""

    name = "music"
    domain = "music"
    model_config = ModelConfig
    data_config = DataConfig
    sample_config = ChoraleSampling
    demo = "regen.music.demo"

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"denoiser": PhaseConfig()}

    def build(self, cfg: RunConfig) -> nn.Module:
        return ChoraleDenoiser(cfg.model)

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        corp = load_corpus()
        train, valid = training_windows(cfg.data, corp)
        objective = Objective(f"music-{cfg.model.objective}", model.loss, {"denoiser": model}, ["denoiser"])
        phase = Phase("denoiser", objective, {"target": train}, cfg.phases["denoiser"], {"target": valid})
        data = {"corpus": f"music21 Bach chorales ({len(corp.names)} four-part)",
                "corpus_fingerprint": corp.fingerprint, "train_fingerprint": fingerprint(train.numpy()),
                "train_windows": int(len(train)), **({"augment": cfg.data.augment} if cfg.data.augment else {})}
        return TrainingPlan([phase], data)

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """`n` unconditional chorales as MIDI, MusicXML and PNG; with best-of, one line per kept sample on
        stderr names the grades of its candidates."""
        from regen.core.progress import progress
        from regen.music.tasks import best_of_line, sampler_with, unconditional, write_outputs

        sampler = sampler_with(cfg.sample, temperature=temperature)
        results = unconditional(model, sampler, n, seed)
        for i, res in enumerate(results):
            if res.candidates:
                print(best_of_line(f"sample-{i:03d}", res), file=sys.stderr, flush=True)
        files: list[Path] = []
        for i, res in enumerate(progress(results, desc="write", unit="sample")):
            files += write_outputs(res, out_dir, f"sample-{i:03d}", f"{cfg.name} sample {i}").values()
        return files

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float]:
        """Validation NLL and the published Bach-or-Mock grade (median) of `data.eval_samples` free
        samples (a bar over the sampler's steps, then one over the grading)."""
        from regen.music.grading import grade_grids
        from regen.music.tasks import unconditional

        corp = load_corpus(progress=False)
        _, valid = training_windows(cfg.data, corp)
        drawn = unconditional(model, cfg.sample, cfg.data.eval_samples, 0)
        if drawn[0].grade is not None:  # best-of graded every kept sample already
            grades = [r.grade for r in drawn]
        else:
            grades = [g["grade"] for g in grade_grids([r.grid for r in drawn], unit="sample")]
        return {"valid_nll": validation_nll(model, valid, cfg.seed), "grade_median": float(np.median(grades))}
