"""An interrupted and resumed run must equal an uninterrupted one, step for step."""

import os
import signal
import time
from dataclasses import replace

import lightning as L
import pytest
import torch
from torch import nn

from regen.core.errors import RegenError
from regen.core.objective import Objective
from regen.train import PhaseConfig, TrainerConfig, fit_objective
from regen.train.callbacks import read_loss_log

PHASE = PhaseConfig(max_steps=20, batch_size=8, lr=1e-2, warmup=2)
TRAINER = TrainerConfig(ckpt_every=5, val_every=10, log_every=1, progress=False)


def _objective() -> tuple[nn.Module, Objective]:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.3), nn.Linear(16, 1))
    objective = Objective("toy", lambda b: {"loss": ((net(b["x"]) - b["y"]) ** 2).mean()}, {"net": net}, ["net"])
    return net, objective


def _data() -> dict[str, torch.Tensor]:
    x = torch.randn(50, 4, generator=torch.Generator().manual_seed(1))
    return {"x": x, "y": x.sum(1, keepdim=True)}


class _StopAt(L.Callback):
    """Interrupts training at a step, by Ctrl-C (KeyboardInterrupt) or by SIGTERM."""

    def __init__(self, step: int, how: str) -> None:
        self.step, self.how = step, how

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step == self.step:
            if self.how == "sigterm":
                os.kill(os.getpid(), signal.SIGTERM)  # the trainer's handler turns it into KeyboardInterrupt
                time.sleep(5)
                raise AssertionError("SIGTERM did not interrupt training")
            raise KeyboardInterrupt


@pytest.mark.parametrize("stop_at, how", [(7, "ctrl-c"), (10, "ctrl-c"), (7, "sigterm")])
def test_resume_matches_uninterrupted(tmp_path, stop_at, how):
    data = _data()
    net_a, obj_a = _objective()
    fit_objective(obj_a, data, PHASE, TRAINER, tmp_path / "a", seed=3, valid_data=data)

    _, obj_b = _objective()
    with pytest.raises(SystemExit):
        fit_objective(obj_b, data, PHASE, TRAINER, tmp_path / "b", seed=3, valid_data=data, callbacks=[_StopAt(stop_at, how)])
    assert (tmp_path / "b" / "checkpoints" / "last.ckpt").exists()
    net_b, obj_b = _objective()
    trainer = fit_objective(obj_b, data, PHASE, TRAINER, tmp_path / "b", seed=3, valid_data=data, resume=True)

    assert trainer.global_step == PHASE.max_steps
    for a, b in zip(net_a.parameters(), net_b.parameters()):
        assert torch.equal(a, b)
    log_a, log_b = read_loss_log(tmp_path / "a" / "metrics.csv"), read_loss_log(tmp_path / "b" / "metrics.csv")
    assert [r for r in log_a if r[1] == "train/loss"][-1][0] == PHASE.max_steps
    train_a = [r for r in log_a if r[1].startswith("train/")]
    assert train_a == [r for r in log_b if r[1].startswith("train/")]
    # A validation due exactly at the interrupted step is not rerun; every other one matches.
    valid_b = [r for r in log_b if r[1].startswith("valid/")]
    assert valid_b and set(valid_b) <= set(log_a)
    if stop_at % TRAINER.val_every:
        assert log_a == log_b


class _RowsOnDisk(L.Callback):
    """While training runs, every logged row is already in metrics.csv (a kill loses none)."""

    def __init__(self, path) -> None:
        self.path, self.checked = path, 0

    def on_train_batch_end(self, trainer, *args) -> None:
        steps = [s for s, k, _ in read_loss_log(self.path) if k == "train/loss"]
        assert steps[-1] == trainer.global_step
        self.checked += 1


def test_rows_reach_the_file_as_they_are_logged(tmp_path):
    _, objective = _objective()
    watch = _RowsOnDisk(tmp_path / "w" / "metrics.csv")
    fit_objective(objective, _data(), PHASE, TRAINER, tmp_path / "w", seed=0, callbacks=[watch])
    assert watch.checked == PHASE.max_steps


def test_loss_falls_and_resume_rules(tmp_path):
    data = _data()
    _, objective = _objective()
    fit_objective(objective, data, PhaseConfig(max_steps=60, batch_size=16, lr=1e-2, warmup=2), TRAINER,
                  tmp_path / "r", seed=0)
    losses = [v for _, k, v in read_loss_log(tmp_path / "r" / "metrics.csv") if k == "train/loss"]
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5
    with pytest.raises(RegenError, match="already holds a run"):
        fit_objective(objective, data, PHASE, TRAINER, tmp_path / "r", seed=0)
    with pytest.raises(RegenError, match="cannot resume"):
        fit_objective(objective, data, PHASE, TRAINER, tmp_path / "fresh", seed=0, resume=True)


def test_a_phase_stopped_by_its_time_limit_counts_as_finished(tmp_path):
    """A time-limited phase that ended normally is loaded, not trained further, on resume; a longer
    limit continues it."""
    from dataclasses import replace

    from regen.train.phases import run_phases
    from regen.train.plan import Phase

    data = _data()
    net, objective = _objective()
    phase = Phase("timed", objective, data, replace(PHASE, max_steps=10**6))
    timed = replace(TRAINER, max_minutes=0.01, val_every=10**6)
    first, _ = run_phases(net, [phase], timed, tmp_path, seed=0, resume=False)
    assert 0 < first["timed"]["steps"] < 10**6
    again, _ = run_phases(net, [phase], timed, tmp_path, seed=0, resume=True)
    assert again == first
    longer, _ = run_phases(net, [phase], replace(timed, max_minutes=0.02), tmp_path, seed=0, resume=True)
    assert longer["timed"]["steps"] > first["timed"]["steps"]


def test_a_time_limit_checkpoints_the_step_it_stops_at(tmp_path):
    """No periodic checkpoint is due, yet last.ckpt holds the step the time limit stopped at, and a
    longer limit continues the loss log from there without repeating a step."""
    from dataclasses import replace

    from regen.train.phases import run_phases
    from regen.train.plan import Phase

    net, objective = _objective()
    phase = Phase("timed", objective, _data(), replace(PHASE, max_steps=10**6))
    timed = replace(TRAINER, max_minutes=0.01, val_every=10**6, ckpt_every=10**6)
    first, _ = run_phases(net, [phase], timed, tmp_path, seed=0, resume=False)
    stopped = first["timed"]["steps"]
    state = torch.load(tmp_path / "timed" / "checkpoints" / "last.ckpt", weights_only=True)
    assert state["global_step"] == stopped > 0
    longer, _ = run_phases(net, [phase], replace(timed, max_minutes=0.02), tmp_path, seed=0, resume=True)
    assert longer["timed"]["steps"] > stopped
    steps = [step for step, key, _ in read_loss_log(tmp_path / "timed" / "metrics.csv") if key == "train/loss"]
    assert steps == sorted(set(steps)) and steps[-1] == longer["timed"]["steps"]


def test_a_phase_that_reached_max_steps_under_a_time_limit_continues_when_max_steps_grows(tmp_path):
    """A time limit that was never hit does not make a phase count as finished once `max_steps` grows."""
    from dataclasses import replace

    from regen.train.phases import run_phases
    from regen.train.plan import Phase

    data = _data()
    net, objective = _objective()
    capped = replace(TRAINER, max_minutes=60.0, val_every=10**6)
    first, _ = run_phases(net, [Phase("p", objective, data, replace(PHASE, max_steps=4))], capped, tmp_path,
                          seed=0, resume=False)
    assert first["p"]["steps"] == 4 and not first["p"]["time_limited"]
    longer, _ = run_phases(net, [Phase("p", objective, data, replace(PHASE, max_steps=6))], capped, tmp_path,
                           seed=0, resume=True)
    assert longer["p"]["steps"] == 6


def _bar_lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "\n").splitlines() if "|" in line and "Validation" not in line]


def test_bar_after_resume_names_the_phase_and_counts_from_the_phase_start(tmp_path, capsys):
    data = _data()
    trainer = replace(TRAINER, progress=True)
    _, objective = _objective()
    fit_objective(objective, data, replace(PHASE, max_steps=10), trainer, tmp_path / "renderer", seed=3,
                  valid_data=data)
    capsys.readouterr()
    _, objective = _objective()
    fit_objective(objective, data, replace(PHASE, max_steps=20), trainer, tmp_path / "renderer", seed=3,
                  valid_data=data, resume=True)
    lines = _bar_lines(capsys.readouterr().out)  # Lightning draws its bars on stdout
    assert lines and all(line.startswith("renderer:") for line in lines), lines[:3]
    counted = [line for line in lines if " 0/" not in line]  # past the bar's creation
    assert any("11/20" in line for line in counted) and all("/20" in line for line in counted)
