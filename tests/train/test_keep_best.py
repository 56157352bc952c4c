"""`keep_best`: a phase that over-fits ends with its weights at the lowest validation loss, also
across an interruption; without it the last weights stay."""

import json

import lightning as L
import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from regen.core.objective import Objective
from regen.train import PhaseConfig, TrainerConfig
from regen.train.callbacks import read_loss_log
from regen.train.phases import run_phases
from regen.train.plan import Phase

TRAINER = TrainerConfig(ckpt_every=5, val_every=5, log_every=1, progress=False)


def _phase(keep_best: bool, patience: int = 0) -> tuple[nn.Module, Phase]:
    """A line fitted to y = x on training points while validation wants y = -x: validation loss
    rises as training goes on, so the best weights are the earliest validated ones."""
    torch.manual_seed(0)
    net = nn.Linear(1, 1)
    with torch.no_grad():
        net.weight.fill_(0.0)
        net.bias.fill_(0.0)
    objective = Objective("toy", lambda b: {"loss": ((net(b["x"]) - b["y"]) ** 2).mean()}, {"net": net}, ["net"])
    x = torch.linspace(-1, 1, 32).unsqueeze(1)
    config = PhaseConfig(max_steps=23, batch_size=8, lr=0.05, warmup=1, keep_best=keep_best, patience=patience)
    return net, Phase("fit", objective, {"x": x, "y": x}, config, valid={"x": x, "y": -x})


@pytest.mark.parametrize("keep_best", [True, False])
def test_best_validation_weights_are_kept(tmp_path, keep_best):
    net, phase = _phase(keep_best)
    summaries, _ = run_phases(net, [phase], TRAINER, tmp_path, seed=0, resume=False)
    saved = load_file(str(tmp_path / "fit" / "weights.safetensors"))
    valid = [(step, v) for step, k, v in read_loss_log(tmp_path / "fit" / "metrics.csv") if k == "valid/loss"]
    assert [s for s, _ in valid] == [5, 10, 15, 20] and valid[0][1] < valid[-1][1]  # it does over-fit
    if keep_best:
        assert summaries["fit"]["best_step"] == 5
        assert summaries["fit"]["best_valid_loss"] == pytest.approx(valid[0][1], rel=1e-5)
        assert json.loads((tmp_path / "fit" / "summary.json").read_text())["best_step"] == 5
    else:
        assert "best_step" not in summaries["fit"]
    assert torch.equal(saved["weight"], net.weight.detach()) and torch.equal(saved["bias"], net.bias.detach())
    loss = float(((net(phase.valid["x"]) - phase.valid["y"]) ** 2).mean().detach())
    assert (loss == pytest.approx(valid[0][1], rel=1e-5)) == keep_best


def test_best_weights_survive_an_interruption(tmp_path):
    net_a, phase_a = _phase(True)
    run_phases(net_a, [phase_a], TRAINER, tmp_path / "a", seed=0, resume=False)

    class _StopAt(L.Callback):
        def on_train_batch_end(self, trainer, *args) -> None:
            if trainer.global_step == 12:
                raise KeyboardInterrupt

    net_b, phase_b = _phase(True)
    phase_b.callbacks.append(_StopAt())
    with pytest.raises(SystemExit):
        run_phases(net_b, [phase_b], TRAINER, tmp_path / "b", seed=0, resume=False)
    net_b, phase_b = _phase(True)
    summaries, _ = run_phases(net_b, [phase_b], TRAINER, tmp_path / "b", seed=0, resume=True)
    assert summaries["fit"]["best_step"] == 5 and torch.equal(net_b.weight, net_a.weight)


def test_patience_stops_early_with_the_same_weights(tmp_path):
    net_a, phase_a = _phase(True)
    run_phases(net_a, [phase_a], TRAINER, tmp_path / "a", seed=0, resume=False)
    net_b, phase_b = _phase(True, patience=2)
    summaries, _ = run_phases(net_b, [phase_b], TRAINER, tmp_path / "b", seed=0, resume=False)
    valid = [step for step, k, _ in read_loss_log(tmp_path / "b" / "fit" / "metrics.csv") if k == "valid/loss"]
    assert valid == [5, 10, 15] and summaries["fit"]["steps"] == 15 and summaries["fit"]["stopped_early"]
    assert summaries["fit"]["best_step"] == 5 and torch.equal(net_b.weight, net_a.weight)
    again, _ = run_phases(net_b, [phase_b], TRAINER, tmp_path / "b", seed=0, resume=True)
    assert again["fit"] == summaries["fit"]  # a stopped phase counts as finished on resume
    with pytest.raises(ValueError, match="keep_best"):
        PhaseConfig(patience=2)
