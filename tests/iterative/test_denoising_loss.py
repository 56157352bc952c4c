import math

import pytest
import torch

from regen.iterative import DenoisingSpec, corrupt, denoising_loss, draw_known_mask
from regen.iterative.denoising_loss import PRESETS, position_weights

VOCAB = 7


class TableNet(torch.nn.Module):
    """Logits are a learnable table per position; records what it was fed."""

    def __init__(self, shape):
        super().__init__()
        self.table = torch.nn.Parameter(torch.zeros(*shape, VOCAB))
        self.calls = []

    def forward(self, tokens, known):
        self.calls.append((tokens.clone(), known.clone()))
        return self.table.expand(tokens.shape[0], *self.table.shape[1:]) * 1.0


def test_known_mask_levels_vary_per_example():
    known = draw_known_mask((64, 4, 32), torch.Generator().manual_seed(0))
    frac = known.float().flatten(1).mean(1)
    assert known.dtype == torch.bool and frac.min() < 0.3 and frac.max() > 0.7


def test_corrupt_keeps_known_positions():
    x = torch.randint(0, VOCAB, (4, 4, 16))
    known = draw_known_mask(tuple(x.shape), torch.Generator().manual_seed(1))
    for kind in ("uniform", "absorb"):
        y = corrupt(x, known, VOCAB, kind)
        assert torch.equal(y[known], x[known])
    assert (corrupt(x, known, VOCAB, "absorb")[~known] == VOCAB).all()


def test_sunmask_loss_has_zero_weight_on_known_positions():
    torch.manual_seed(0)
    x = torch.randint(0, VOCAB, (1, 4, 16))
    net = TableNet((1, 4, 16))
    out = denoising_loss(net, x, VOCAB, PRESETS["sunmask"])
    out["loss"].backward()
    known = net.calls[0][1].bool()[0]
    grad = net.table.grad[0].abs().sum(-1)
    assert (grad[known] == 0).all()
    assert (grad[~known] > 0).all()


def test_reweighting_is_one_over_one_plus_masked():
    known = torch.tensor([[True, False, False, True]])
    w = position_weights(~known, known, reweight=True)
    assert torch.allclose(w, torch.tensor([[0.0, 1 / 3, 1 / 3, 0.0]]))
    w_all = position_weights(torch.ones_like(known), known, reweight=False)
    assert torch.allclose(w_all, torch.full((1, 4), 0.25))


def test_unrolled_step_feeds_sample_back_and_preserves_known():
    torch.manual_seed(0)
    x = torch.randint(0, VOCAB, (2, 4, 16))
    net = TableNet((1, 4, 16))
    denoising_loss(net, x, VOCAB, PRESETS["sunmask"])
    assert len(net.calls) == 2
    (_, known), (second, _) = net.calls
    assert torch.equal(second[known.bool()], x[known.bool()])


def test_sundae_never_sees_the_mask_and_coconet_does_not_unroll():
    x = torch.randint(0, VOCAB, (2, 4, 16))
    net = TableNet((1, 4, 16))
    denoising_loss(net, x, VOCAB, PRESETS["sundae"])
    assert all((k == 0).all() for _, k in net.calls) and len(net.calls) == 2
    net = TableNet((1, 4, 16))
    denoising_loss(net, x, VOCAB, PRESETS["coconet"])
    assert len(net.calls) == 1 and ((net.calls[0][0] == VOCAB) == (net.calls[0][1] == 0)).all()


def test_spec_rejects_zero_unroll():
    try:
        DenoisingSpec(unroll=0)
    except ValueError:
        return
    raise AssertionError("unroll=0 accepted")


class _Scored(torch.nn.Module):
    """A stand-in denoiser whose first-step NLL is set by the corruption it is handed."""

    def __init__(self, nll) -> None:
        super().__init__()
        self.nll = nll

    def loss(self, batch, known, generator=None):
        return {"nll_1": torch.tensor(float(self.nll(known)))}


def test_order_agnostic_bound_averages_over_every_masked_count():
    from regen.iterative.denoising_loss import order_agnostic_nll

    windows = torch.randint(0, 27, (200, 8))
    seen = []

    def count(known):
        unknown = (~known).sum(1)
        assert torch.all(unknown == unknown[0])  # one masked count per call
        seen.append(int(unknown[0]))
        return unknown[0]

    assert order_agnostic_nll(_Scored(count), windows) == pytest.approx(4.5)  # mean of 1..8
    assert sorted(set(seen)) == list(range(1, 9))
    assert order_agnostic_nll(_Scored(lambda known: math.log(27)), windows) == pytest.approx(math.log(27))
