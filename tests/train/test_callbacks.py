"""Timed snapshots: each training minute mark is saved once, also across an interrupt and resume."""

import time

import lightning as L
import pytest
import torch
from torch import nn

from regen.core.objective import Objective
from regen.train import PhaseConfig, TrainerConfig, fit_objective
from regen.train.callbacks import TimedSnapshots

PHASE = PhaseConfig(max_steps=12, batch_size=4, lr=1e-2, warmup=1)
TRAINER = TrainerConfig(ckpt_every=1, val_every=100, log_every=1, progress=False)


class _Slow(nn.Module):
    """A linear model whose forward takes 20 ms, so training minutes are predictable."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        time.sleep(0.02)
        return self.lin(x)


def _objective() -> Objective:
    net = _Slow()
    return Objective("slow", lambda b: {"loss": ((net(b["x"]) - 1) ** 2).mean()}, {"net": net}, ["net"])


class _StopAt(L.Callback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step == self.step:
            raise KeyboardInterrupt


def test_snapshots_once_per_mark_across_resume(tmp_path):
    data = {"x": torch.randn(16, 3)}
    saved: list[tuple[str, int, float]] = []

    def save(path, info):
        saved.append((path.name, info["step"], info["train_seconds"]))

    marks = (0.1 / 60, 0.18 / 60)  # 0.1 s and 0.18 s of training: about steps 5 and 9
    snap = TimedSnapshots(tmp_path / "snaps", marks, save)
    with pytest.raises(SystemExit):
        fit_objective(_objective(), data, PHASE, TRAINER, tmp_path, seed=0, callbacks=[snap, _StopAt(7)])
    assert [s[0] for s in saved] == [f"{marks[0]:g}min"]
    resumed = TimedSnapshots(tmp_path / "snaps", marks, save)
    fit_objective(_objective(), data, PHASE, TRAINER, tmp_path, seed=0, resume=True, callbacks=[resumed])
    assert [s[0] for s in saved] == [f"{m:g}min" for m in marks]
    (_, first_step, first_s), (_, second_step, second_s) = saved
    assert 0.1 <= first_s < second_s and second_s >= 0.18
    assert 3 <= first_step < second_step <= PHASE.max_steps
    assert resumed.elapsed > second_s  # training time carried over the resume, not restarted


def test_bad_minutes_refused():
    with pytest.raises(ValueError, match="snapshot_minutes"):
        TrainerConfig(snapshot_minutes=(0,))
