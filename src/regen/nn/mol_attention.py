"""Mixture-of-logistics location attention, as stabilised in R-MelNet (thesis ch. 6.2.4).

From a query h_i (batch, query_dim), M components are parameterised (eqs. 6.1-6.4):

    kappa_hat, beta_hat, alpha_hat = W_g h_i
    kappa_i = kappa_{i-1} + s+(kappa_hat) + eps_kappa     (eps_kappa = 0.001: minimum step)
    beta_i  = s+(beta_hat)                                 (an inverse scale)
    alpha_i = softmax(alpha_hat) over M

with s+ the stable softplus of eq. 6.5 (`stable_softplus`). The weight of input
position u is the mass the mixture puts on [u - 0.5, u + 0.5] (eqs. 6.6-6.10):

    T(u) = 1/2 + 1/2 tanh~((u - kappa)(beta + eps_beta) / 2),  tanh~(x) = x / (1 + |x|)
    phi(u) = sum_m alpha_m (T_m(u + 0.5) - T_m(u - 0.5))       (eps_beta = 0.01)

`cdf="logistic"` uses the exact logistic sigmoid((u - kappa)(beta + eps_beta)) instead
of the cheap tanh (eq. 6.6-6.7 form). All of this runs in float32 even under
autocast; phi is cast back to the query's dtype at the end. In the backward pass the
gradient reaching phi is scaled by 1/sqrt(M) (`scale_grad`), the forward value
unchanged.

Shapes: memory (batch, inputs, mem_dim); mask (batch, inputs) bool, True on real
tokens; state kappa (batch, M); weights (batch, inputs); context (batch, mem_dim).
Weights need not sum to exactly one: mass outside the text is dropped.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

EPS_KAPPA = 1e-3
EPS_BETA = 1e-2
_SMALL_TAIL = -20.0  # below this, log1p(exp(z)) == exp(z) to float32 precision


def stable_softplus(x: torch.Tensor) -> torch.Tensor:
    """Eq. 6.5: log(1 + exp(-|x|)) + max(0, x), elementwise, any shape.

    Evaluated branch by branch (x >= 0, x < 0, and the far tail where
    log1p(exp(z)) == exp(z)) into an output tensor, not with a `where`: no branch
    sees, nor back-propagates through, the inputs of another, and the gradient at
    0 is the exact 1/2.
    """
    out = torch.empty_like(x)
    pos, neg = x >= 0, x < 0
    for region, sign in ((pos, -1.0), (neg, 1.0)):
        z = sign * x[region]  # = -|x| on this region
        far = z < _SMALL_TAIL
        tail = torch.empty_like(z)
        tail[far] = torch.exp(z[far])
        tail[~far] = torch.log1p(torch.exp(z[~far]))
        out[region] = tail + (x[region] if sign < 0 else 0.0)
    return out


class _ScaleGrad(torch.autograd.Function):
    """Identity forward, gradient times `scale` backward."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad * ctx.scale, None


def scale_grad(x: torch.Tensor, scale: float) -> torch.Tensor:
    """`x` unchanged in the forward pass; its gradient multiplied by `scale`."""
    return _ScaleGrad.apply(x, scale)


def fast_tanh(x: torch.Tensor) -> torch.Tensor:
    """Eq. 6.8: the cheap tanh approximation x / (1 + |x|)."""
    return x / (1.0 + x.abs())


class MoLAttention(nn.Module):
    """Monotone mixture-of-logistics attention; see the module docstring.

    `init_step` is the initial mean advance in input positions per decoder step;
    `init_sharpness` the initial beta (larger: narrower components).
    """

    def __init__(self, query_dim: int, mixtures: int = 10, cdf: Literal["fast_tanh", "logistic"] = "fast_tanh",
                 init_step: float = 0.3, init_sharpness: float = 2.0) -> None:
        super().__init__()
        if mixtures < 1:
            raise ValueError(f"mixtures must be >= 1, got {mixtures}")
        if cdf not in ("fast_tanh", "logistic"):
            raise ValueError(f"cdf must be 'fast_tanh' or 'logistic', got {cdf!r}")
        self.mixtures = mixtures
        self.cdf = cdf
        self.grad_scale = 1.0 / math.sqrt(mixtures)
        self.proj = nn.Linear(query_dim, 3 * mixtures)
        with torch.no_grad():
            self.proj.weight.mul_(0.1)
            self.proj.bias.zero_()
            self.proj.bias[:mixtures].fill_(math.log(math.expm1(max(init_step - EPS_KAPPA, 1e-3))))
            self.proj.bias[mixtures: 2 * mixtures].fill_(math.log(math.expm1(init_sharpness)))

    def init_state(self, batch: int, device: torch.device | None = None) -> torch.Tensor:
        """Initial means: (batch, M) zeros, i.e. all components on the first token."""
        return torch.zeros(batch, self.mixtures, device=device)

    def _cdf(self, u: torch.Tensor, kappa: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        """T(u) for positions u (inputs,) and (batch, M) parameters -> (batch, inputs, M)."""
        z = (u[None, :, None] - kappa[:, None, :]) * (beta[:, None, :] + EPS_BETA)
        if self.cdf == "logistic":
            return torch.sigmoid(z)
        return 0.5 + 0.5 * fast_tanh(0.5 * z)

    def forward(self, query: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor,
                kappa_prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One step: query (batch, query_dim) -> context (batch, mem_dim), weights (batch, inputs), kappa (batch, M)."""
        with torch.autocast(device_type=query.device.type, enabled=False):
            kappa_hat, beta_hat, alpha_hat = self.proj(query.float()).chunk(3, dim=-1)
            kappa = kappa_prev.float() + stable_softplus(kappa_hat) + EPS_KAPPA
            beta = stable_softplus(beta_hat)
            alpha = torch.softmax(alpha_hat, dim=-1)
            u = torch.arange(memory.shape[1], device=query.device, dtype=torch.float32)
            mass = self._cdf(u + 0.5, kappa, beta) - self._cdf(u - 0.5, kappa, beta)
            phi = (alpha[:, None, :] * mass).sum(-1) * mask.float()
            phi = scale_grad(phi, self.grad_scale)
        weights = phi.to(query.dtype) if query.dtype in (torch.float16, torch.bfloat16) else phi
        context = torch.bmm(weights.to(memory.dtype).unsqueeze(1), memory).squeeze(1)
        return context, weights, kappa
