"""`PhaseConfig.frozen`: named parameters stay fixed while the rest of the part trains; a prefix that
names nothing is a one-line config error."""

import pytest
import torch
from torch import nn

from regen.core.errors import ConfigError
from regen.core.objective import Objective
from regen.train import PhaseConfig, TrainerConfig
from regen.train.phases import run_phases
from regen.train.plan import Phase

TRAINER = TrainerConfig(ckpt_every=5, val_every=5, log_every=1, progress=False)


def _phase(frozen: list[str]) -> tuple[nn.Module, Phase]:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    objective = Objective("toy", lambda b: {"loss": ((net(b["x"]) - b["y"]) ** 2).mean()}, {"net": net}, ["net"])
    x = torch.randn(32, 2)
    config = PhaseConfig(max_steps=10, batch_size=8, lr=0.05, warmup=1, frozen=frozen)
    return net, Phase("fit", objective, {"x": x, "y": x.sum(-1, keepdim=True)}, config)


def test_frozen_parameters_keep_their_values_and_the_rest_trains(tmp_path):
    net, phase = _phase(["net.0"])
    before = {k: v.clone() for k, v in net.state_dict().items()}
    run_phases(net, [phase], TRAINER, tmp_path, seed=0, resume=False)
    after = net.state_dict()
    assert torch.equal(after["0.weight"], before["0.weight"]) and torch.equal(after["0.bias"], before["0.bias"])
    assert not torch.equal(after["2.weight"], before["2.weight"])  # the unfrozen layer trained


def test_a_frozen_prefix_that_names_nothing_is_a_config_error(tmp_path):
    net, phase = _phase(["net.7"])
    with pytest.raises(ConfigError, match="frozen prefix 'net.7' names no trained parameter"):
        run_phases(net, [phase], TRAINER, tmp_path, seed=0, resume=False)
