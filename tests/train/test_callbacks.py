"""Timed snapshots: each training minute mark is saved once, also across an interrupt and resume."""

import itertools
import types

import lightning as L
import pytest
import torch
from torch import nn

from regen.core.objective import Objective
from regen.train import PhaseConfig, TrainerConfig, fit_objective
from regen.train.callbacks import TimedSnapshots

PHASE = PhaseConfig(max_steps=12, batch_size=4, lr=1e-2, warmup=1)
TRAINER = TrainerConfig(ckpt_every=1, val_every=100, log_every=1, progress=False)


def _objective() -> Objective:
    net = nn.Linear(3, 1)
    return Objective("slow", lambda b: {"loss": ((net(b["x"]) - 1) ** 2).mean()}, {"net": net}, ["net"])


class _StopAt(L.Callback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step == self.step:
            raise KeyboardInterrupt


def test_snapshots_once_per_mark_across_resume(tmp_path, monkeypatch):
    # A clock that advances 0.5 s per reading: each batch (read at its start and end) lasts 0.5 s.
    ticks = itertools.count(0, 0.5)
    monkeypatch.setattr("regen.train.callbacks.time", types.SimpleNamespace(perf_counter=lambda: next(ticks)))
    data = {"x": torch.randn(16, 3)}
    saved: list[tuple[str, int, float]] = []

    def save(path, info):
        saved.append((path.name, info["step"], info["train_seconds"]))

    marks = (2 / 60, 4 / 60)  # 2 s and 4 s of training: steps 4 and 8
    snap = TimedSnapshots(tmp_path / "snaps", marks, save)
    with pytest.raises(SystemExit):
        fit_objective(_objective(), data, PHASE, TRAINER, tmp_path, seed=0, callbacks=[snap, _StopAt(7)])
    assert [s[0] for s in saved] == [f"{marks[0]:g}min"]
    resumed = TimedSnapshots(tmp_path / "snaps", marks, save)
    fit_objective(_objective(), data, PHASE, TRAINER, tmp_path, seed=0, resume=True, callbacks=[resumed])
    assert [s[0] for s in saved] == [f"{m:g}min" for m in marks]
    assert [(step, seconds) for _, step, seconds in saved] == [(4, 2.0), (8, 4.0)]
    assert resumed.elapsed == 6.0  # training time carried over the resume (12 batches), not restarted


def test_bad_minutes_refused():
    with pytest.raises(ValueError, match="snapshot_minutes"):
        TrainerConfig(snapshot_minutes=(0,))


def test_max_minutes_ends_a_phase_early_and_is_carried_over_a_resume(tmp_path, monkeypatch):
    from regen.train.callbacks import TimeLimit

    now = [0.0]
    monkeypatch.setattr("regen.train.callbacks.time", types.SimpleNamespace(perf_counter=lambda: now[0]))

    class _Tick(L.Callback):  # each batch lasts one second; TimeLimit is called after it
        def on_train_batch_start(self, *args) -> None:
            now[0] += 1.0

    cfg = TrainerConfig(ckpt_every=100, val_every=100, log_every=1, progress=False, max_minutes=3 / 60)
    trainer = fit_objective(_objective(), {"x": torch.randn(16, 3)}, PHASE, cfg, tmp_path, seed=0, callbacks=[_Tick()])
    limits = [c for c in trainer.callbacks if isinstance(c, TimeLimit)]
    assert limits and limits[0].seconds == 3.0 and trainer.global_step == 3
    again = fit_objective(_objective(), {"x": torch.randn(16, 3)}, PHASE, cfg, tmp_path, seed=0, resume=True,
                          callbacks=[_Tick()])
    assert again.global_step == 4  # the budget was spent: one batch, then it stops again


def test_train_clock_is_carried_over_a_resume(tmp_path, monkeypatch):
    """A phase's seconds count the interrupted part up to its checkpoint plus the resumed part."""
    from regen.train.callbacks import TrainClock

    now = [0.0]
    monkeypatch.setattr("regen.train.callbacks.time", types.SimpleNamespace(perf_counter=lambda: now[0]))

    class _Tick(L.Callback):  # each batch lasts one second
        def on_train_batch_end(self, *args) -> None:
            now[0] += 1.0

    data = {"x": torch.randn(16, 3)}
    with pytest.raises(SystemExit):
        fit_objective(_objective(), data, PHASE, TRAINER, tmp_path, seed=0, callbacks=[_Tick(), TrainClock(), _StopAt(7)])
    now[0] += 100.0  # time between the interrupt and the resume does not count
    clock = TrainClock()
    fit_objective(_objective(), data, PHASE, TRAINER, tmp_path, seed=0, resume=True, callbacks=[_Tick(), clock])
    assert clock.seconds == 12.0
