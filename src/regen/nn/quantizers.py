"""Residual vector quantisation (SoundStream, Zeghidour et al., 2021; EnCodec, Défossez et al., 2022).

`ResidualVQ` quantises vectors (..., dim) with `codebooks` stages: stage k quantises what the
stages before left over, so the code of a vector is one index per stage and its reconstruction the
sum of the chosen entries. Codebooks learn by exponential moving averages of the vectors assigned to
each entry (k-means online, van den Oord et al., 2017, appendix; decay `decay`), not by gradient;
the encoder is pulled towards its codes by the commitment loss `beta * |z - sg(q)|^2`, and the
gradient passes the quantiser unchanged (straight through). An entry whose assignment share falls
below `dead_share` of the uniform one is dead and restarts at a random residual of the batch, and
every codebook starts from residuals of the first batch it sees. The averages are this process's own:
under data-parallel training each rank keeps its own codebooks until the weights are synchronised (train
the codec on one device).

Shapes: z (..., dim) -> quantised (..., dim), codes (..., codebooks) int64.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class EMACodebook(nn.Module):
    """One codebook (size, dim), learned by moving averages of the vectors assigned to each entry."""

    def __init__(self, size: int, dim: int, decay: float, dead_share: float) -> None:
        super().__init__()
        self.decay, self.dead_share = decay, dead_share
        self.register_buffer("entries", torch.randn(size, dim) * 0.1)
        self.register_buffer("cluster_size", torch.ones(size))
        self.register_buffer("entry_sum", self.entries.clone())
        self.register_buffer("initialised", torch.tensor(False))

    def nearest(self, flat: torch.Tensor) -> torch.Tensor:
        """Index of the nearest entry of each row of flat (n, dim): (n,)."""
        distance = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.entries.T + self.entries.pow(2).sum(1)[None]
        return distance.argmin(1)

    @torch.no_grad()
    def update(self, flat: torch.Tensor, codes: torch.Tensor) -> None:
        """One moving-average step on the rows flat (n, dim) assigned to `codes` (n,), then dead restarts."""
        size = len(self.entries)
        if not bool(self.initialised):
            self.entries.copy_(flat[torch.randint(len(flat), (size,), device=flat.device)])
            self.entry_sum.copy_(self.entries)
            self.cluster_size.fill_(1.0)
            self.initialised.fill_(True)
            return
        onehot = F.one_hot(codes, size).type(flat.dtype)
        self.cluster_size.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
        self.entry_sum.mul_(self.decay).add_(onehot.T @ flat, alpha=1 - self.decay)
        total = self.cluster_size.sum()
        smoothed = (self.cluster_size + 1e-5) / (total + size * 1e-5) * total
        self.entries.copy_(self.entry_sum / smoothed[:, None])
        dead = self.cluster_size < self.dead_share * total / size
        if dead.any():
            picks = flat[torch.randint(len(flat), (int(dead.sum()),), device=flat.device)]
            self.entries[dead] = picks
            self.cluster_size[dead] = total / size
            self.entry_sum[dead] = picks * (total / size)  # so that the next update starts from the pick


class ResidualVQ(nn.Module):
    """`codebooks` stages of `size` entries over vectors of `dim`; see the module docstring."""

    def __init__(self, dim: int, codebooks: int, size: int, beta: float = 0.25, decay: float = 0.99,
                 dead_share: float = 0.03) -> None:
        super().__init__()
        if min(dim, codebooks, size) < 1 or not 0 < decay < 1:
            raise ValueError("dim, codebooks and size must be >= 1 and decay in (0, 1)")
        self.beta, self.size = beta, size
        self.stages = nn.ModuleList(EMACodebook(size, dim, decay, dead_share) for _ in range(codebooks))

    @property
    def bits_per_vector(self) -> float:
        return len(self.stages) * math.log2(self.size)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """z (..., dim) -> (straight-through quantised z (..., dim), codes (..., codebooks), commitment loss)."""
        flat = z.reshape(-1, z.shape[-1])
        residual = flat.detach()
        quantised = torch.zeros_like(residual)
        codes = []
        for stage in self.stages:
            index = stage.nearest(residual)
            if self.training:
                stage.update(residual, index)
                index = stage.nearest(residual)
            chosen = stage.entries[index]
            quantised = quantised + chosen
            residual = residual - chosen
            codes.append(index)
        commitment = self.beta * F.mse_loss(flat, quantised)
        out = flat + (quantised - flat).detach()
        return out.view_as(z), torch.stack(codes, -1).view(*z.shape[:-1], len(self.stages)), commitment

    def lookup(self, codes: torch.Tensor) -> torch.Tensor:
        """codes (..., codebooks) -> the summed entries (..., dim)."""
        return sum(stage.entries[codes[..., k]] for k, stage in enumerate(self.stages))

    @torch.no_grad()
    def usage(self, codes: torch.Tensor) -> list[dict[str, float]]:
        """Per codebook: the share of its entries that `codes` (..., codebooks) use and the perplexity
        of their use (2^entropy in bits: `size` when uniform, 1 when one entry does everything)."""
        out = []
        for k in range(len(self.stages)):
            counts = torch.bincount(codes[..., k].reshape(-1), minlength=self.size).float()
            p = counts / counts.sum().clamp_min(1)
            entropy = -(p[p > 0] * p[p > 0].log2()).sum()
            out.append({"used": float((counts > 0).float().mean()), "perplexity": float(2 ** entropy)})
        return out
