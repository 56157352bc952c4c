"""Drawing tokens from logits: temperature, typical / top-k / top-p filtering, Gumbel-max."""

from __future__ import annotations

import torch


def _keep_smallest_set(order_key: torch.Tensor, probs: torch.Tensor, mass: float, first: int = 64) -> torch.Tensor:
    """Bool (n, vocab): the fewest tokens, taken in ascending `order_key`, whose
    probability reaches `mass` (always at least one).

    The `first` smallest keys are ordered by a partial sort (top-k); rows whose set does
    not close within them are tried again with eight times as many. The result is the same as one full sort,
    at a fraction of its cost when the set is small (as it is for peaked distributions).
    """
    keep = torch.zeros_like(probs, dtype=torch.bool)
    if keep.numel() == 0:
        return keep
    k = min(first, probs.shape[-1])
    idx = order_key.topk(k, -1, largest=False).indices
    p_sorted = probs.gather(-1, idx)
    before = p_sorted.cumsum(-1) - p_sorted
    keep_sorted = before < mass
    keep_sorted[..., 0] = True
    closed = (before[..., -1] + p_sorted[..., -1] >= mass) | (k == probs.shape[-1])
    keep.scatter_(-1, idx, keep_sorted)
    if not closed.all():
        keep[~closed] = _keep_smallest_set(order_key[~closed], probs[~closed], mass, first * 8)
    return keep


def filter_logits(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
                  typical: float = 0.0) -> torch.Tensor:
    """Logits (..., vocab) scaled by 1/temperature with excluded tokens set to -inf.

    Filters apply in this order: typical sampling (Meister et al.: keep tokens whose
    surprisal is closest to the entropy until `typical` mass, 0 disables), top-k
    (0 disables), top-p nucleus (1 disables).
    """
    if temperature <= 0:
        raise ValueError("temperature must be > 0; use greedy decoding by a very small value such as 1e-4")
    shape = logits.shape
    z = (logits.float() / temperature).reshape(-1, shape[-1])
    if typical > 0:
        logp = z.log_softmax(-1)
        p = logp.exp()
        entropy = -(p * logp).nan_to_num().sum(-1, keepdim=True)
        keep = _keep_smallest_set((-logp - entropy).abs(), p, typical)
        z = z.masked_fill(~keep, float("-inf"))
    if 0 < top_k < shape[-1]:
        kth = z.topk(top_k, -1).values[..., -1:]
        z = z.masked_fill(z < kth, float("-inf"))
    if top_p < 1.0:
        p = z.softmax(-1)
        keep = _keep_smallest_set(-p, p, top_p)
        z = z.masked_fill(~keep, float("-inf"))
    return z.view(shape)


def draw_tokens(logits: torch.Tensor, generator: torch.Generator | None = None, gumbel: bool = False) -> torch.Tensor:
    """One token per position from (filtered) logits (..., vocab) -> (...) long.

    `gumbel` uses the Gumbel-max trick (argmax of logits + Gumbel noise), which draws
    from the same distribution as multinomial sampling.
    """
    flat = logits.reshape(-1, logits.shape[-1]).float()
    if gumbel:
        u = torch.rand(flat.shape, generator=generator, device=flat.device).clamp_(1e-10, 1 - 1e-7)
        out = (flat - torch.log(-torch.log(u))).argmax(-1)
    else:  # inverse CDF: one uniform per row (torch.multinomial draws noise over the whole vocabulary)
        cdf = flat.softmax(-1).cumsum(-1)
        u = torch.rand(len(flat), 1, generator=generator, device=flat.device) * cdf[:, -1:]
        out = torch.searchsorted(cdf, u, right=True).clamp_(max=flat.shape[-1] - 1).squeeze(-1)
    return out.view(logits.shape[:-1])
