import torch

from regen.core.run_config import load_run_config
from regen.music.config import ModelConfig
from regen.music.conv_unet import ConvUNetConfig
from regen.music.model import ChoraleDenoiser
from regen.nn.parameters import parameter_count


def _count_on_meta(name):
    cfg = load_run_config(name)
    with torch.device("meta"):
        return parameter_count(ChoraleDenoiser(cfg.model))


def test_paper_sizes_match_the_thesis():
    conv = _count_on_meta("music/sunmask-conv-paper")
    transformer = _count_on_meta("music/sunmask-transformer-paper")
    assert 0.9 * 417e6 < conv < 1.1 * 417e6
    assert 0.95 * 50e6 < transformer < 1.05 * 50e6


def test_networks_map_grids_to_logits():
    for network in ("conv", "transformer"):
        model = ChoraleDenoiser(ModelConfig(network=network, conv=ConvUNetConfig(hidden=8)))
        tokens = torch.randint(0, 58, (2, 4, 32))
        tokens[0, 0, 0] = 58  # the absorbing id is a valid input
        assert model(tokens, torch.ones(2, 4, 32)).shape == (2, 4, 32, 58)


def test_sundae_ignores_the_mask_and_sunmask_uses_it():
    torch.manual_seed(0)
    tokens = torch.randint(0, 58, (1, 4, 16))
    for objective, same in (("sundae", True), ("sunmask", False)):
        model = ChoraleDenoiser(ModelConfig(objective=objective))
        a, b = model(tokens, torch.ones(1, 4, 16)), model(tokens, torch.zeros(1, 4, 16))
        assert torch.allclose(a, b) == same


def test_validation_nll_scores_every_objective_on_the_same_positions(monkeypatch):
    from regen.music import task

    windows = torch.randint(0, 58, (40, 4, 16), generator=torch.Generator().manual_seed(0))
    seen: dict[str, list[torch.Tensor]] = {}
    for objective in ("sunmask", "coconet", "sundae"):
        model = ChoraleDenoiser(ModelConfig(objective=objective, network="transformer"))
        original = model.loss
        masks = seen.setdefault(objective, [])

        def spy(batch, known=None, generator=None, _orig=original, _masks=masks):
            _masks.append(known.clone())
            return _orig(batch, known=known, generator=generator)

        monkeypatch.setattr(model, "loss", spy)
        nll = task.validation_nll(model, windows, seed=3, batch=16)
        assert 0 < nll < 20
    assert len(seen["sunmask"]) == 3
    for other in ("coconet", "sundae"):
        assert all(torch.equal(a, b) for a, b in zip(seen["sunmask"], seen[other]))
    assert not torch.equal(seen["sunmask"][0], seen["sunmask"][1])
