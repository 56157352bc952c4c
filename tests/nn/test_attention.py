"""GMM and mixture-of-logistics attention: normalised, monotone, finite under bf16 autocast."""

from __future__ import annotations

import pytest
import torch

from regen.nn.gmm_attention import GMMAttention, expected_position
from regen.nn.mol_attention import MoLAttention, scale_grad, stable_softplus

INPUTS, QUERY, MEM = 24, 8, 6


def build(kind: str, **kw: object) -> torch.nn.Module:
    torch.manual_seed(0)
    if kind == "gmm":
        return GMMAttention(QUERY, mixtures=4, **kw)
    return MoLAttention(QUERY, mixtures=4, cdf=kind, init_sharpness=4.0, **kw)


def run(attn: torch.nn.Module, steps: int, batch: int = 2, valid: int = INPUTS) -> tuple[list, torch.Tensor]:
    """Roll attention `steps` times on random queries; returns per-step weights and the memory."""
    memory = torch.randn(batch, INPUTS, MEM, requires_grad=True)
    mask = torch.arange(INPUTS)[None].expand(batch, -1) < valid
    kappa = attn.init_state(batch)
    out = []
    for _ in range(steps):
        context, weights, kappa = attn(torch.randn(batch, QUERY), memory, mask, kappa)
        assert context.shape == (batch, MEM) and weights.shape == (batch, INPUTS)
        out.append((context, weights, kappa))
    return out, memory


@pytest.mark.parametrize("kind", ["gmm", "fast_tanh", "logistic"])
def test_weights_sum_to_one_and_advance_monotonically(kind: str) -> None:
    attn = build(kind)
    steps, _ = run(attn, steps=40)
    # Means start on token 0 and move ~0.3 tokens a step: after 20 steps they sit ~6+ tokens inside the
    # 24 inputs for the rest of the 40 steps. Earlier, MoL loses the mass below position -0.5 by design.
    with torch.no_grad():
        sums = torch.stack([w.sum(-1) for _, w, _ in steps[20:]])
        positions = torch.stack([expected_position(w) for _, w, _ in steps])
        kappas = torch.stack([k for _, _, k in steps])
    # x/(1+|x|) has 1/x tails: ~2% of the mass per side lies beyond 6 tokens (measured: sums ~0.96).
    tolerance = 0.05 if kind == "fast_tanh" else 1e-3
    assert torch.allclose(sums, torch.ones_like(sums), atol=tolerance), sums.min()
    assert bool((kappas[1:] >= kappas[:-1]).all())  # each component's mean never moves back
    assert positions[-1].min() > positions[0].max() + 3  # the attention focus moves forward along the text


@pytest.mark.parametrize("kind", ["gmm", "fast_tanh", "logistic"])
def test_padding_gets_no_weight(kind: str) -> None:
    steps, _ = run(build(kind), steps=5, valid=10)
    assert float(steps[-1][1][:, 10:].detach().abs().max()) == 0.0


@pytest.mark.parametrize("kind", ["gmm", "fast_tanh", "logistic"])
def test_finite_gradients_under_bf16_autocast(kind: str) -> None:
    attn = build(kind)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        steps, memory = run(attn, steps=30)
        loss = sum(c.float().pow(2).mean() for c, _, _ in steps)
    loss.backward()
    grads = [p.grad for p in attn.parameters()] + [memory.grad]
    assert all(g is not None and bool(torch.isfinite(g).all()) for g in grads)
    assert any(float(g.abs().sum()) > 0 for g in grads[:-1])


def test_stable_softplus_matches_reference_and_has_finite_gradient() -> None:
    x = torch.tensor([-1e4, -60.0, -20.5, -3.0, 0.0, 2.0, 25.0, 1e4], requires_grad=True)
    y = stable_softplus(x)
    assert torch.allclose(y, torch.nn.functional.softplus(x), rtol=1e-5, atol=1e-30)
    y.sum().backward()
    assert bool(torch.isfinite(x.grad).all())
    assert torch.allclose(x.grad, torch.sigmoid(x.detach()), atol=1e-6)


def test_scale_grad_keeps_value_and_scales_gradient() -> None:
    x = torch.ones(3, requires_grad=True)
    y = scale_grad(x * 2, 0.5)
    assert torch.equal(y, torch.full((3,), 2.0))
    y.sum().backward()
    assert torch.allclose(x.grad, torch.ones(3))  # d(2x)/dx = 2, times 0.5


def test_mol_gradient_reweighted_by_inverse_sqrt_mixtures() -> None:
    """With M = 4 the gradient reaching the attention parameters is half the unscaled one."""
    attn = build("logistic")
    memory = torch.randn(1, INPUTS, MEM)
    mask = torch.ones(1, INPUTS, dtype=torch.bool)
    query = torch.randn(1, QUERY)
    attn(query, memory, mask, attn.init_state(1))[0].sum().backward()
    scaled = attn.proj.weight.grad.clone()
    attn.zero_grad()
    attn.grad_scale = 1.0
    attn(query, memory, mask, attn.init_state(1))[0].sum().backward()
    assert torch.allclose(scaled, 0.5 * attn.proj.weight.grad, atol=1e-7)
