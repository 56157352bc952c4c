"""Two abstractions of an 8x8 digit: explicit (pooled, quantised) and learned (VQ-VAE)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from regen.core.abstraction import Abstraction
from regen.core.space import Space
from regen.vision.digits import CLASSES, LEVELS, SIDE

IMAGE_SPACE = Space("digit-8x8", "discrete", (SIDE, SIDE), LEVELS)
CLASS_SPACE = Space("digit-class", "discrete", (), CLASSES)


class DigitAbstraction(Abstraction):
    """An abstraction of 8x8 digits whose Y' space is fixed at construction (`self._space`)."""

    _space: Space

    @property
    def space(self) -> Space:
        return self._space

    @property
    def target_space(self) -> Space:
        return IMAGE_SPACE


class PoolAbstraction(DigitAbstraction):
    """Y' = the image average-pooled by `factor` and quantised to `levels` grey levels.

    encode: (batch, 8, 8) ints in [0, 16] -> (batch, 8/factor, 8/factor) ints in [0, levels).
    """

    def __init__(self, factor: int = 2, levels: int = 9) -> None:
        super().__init__()
        self.factor, self.levels = factor, levels
        side = SIDE // factor
        self._space = Space(f"pool{factor}-q{levels}", "discrete", (side, side), levels)

    def encode(self, y: torch.Tensor) -> torch.Tensor:
        pooled = F.avg_pool2d(y.float().unsqueeze(1), self.factor).squeeze(1)
        return torch.round(pooled / (LEVELS - 1) * (self.levels - 1)).long()

    def decode(self, y_abs: torch.Tensor) -> torch.Tensor:
        """Nearest-neighbour upsampling back to 8x8 grey levels: (batch, 8, 8)."""
        values = torch.round(y_abs.float() / (self.levels - 1) * (LEVELS - 1)).long()
        return values.repeat_interleave(self.factor, 1).repeat_interleave(self.factor, 2)


class VectorQuantizer(nn.Module):
    """Nearest-codebook quantisation with a straight-through gradient, a commitment
    loss, data-dependent initialisation and restarts of unused codes.

    z: (batch, dim, h, w) -> codes (batch, h, w), quantised (batch, dim, h, w).
    """

    def __init__(self, codes: int, dim: int, beta: float = 0.25, decay: float = 0.99) -> None:
        super().__init__()
        self.beta, self.decay = beta, decay
        self.codebook = nn.Parameter(torch.randn(codes, dim) * 0.1)
        self.register_buffer("usage", torch.ones(codes))
        self.register_buffer("initialised", torch.tensor(False))

    def codes(self, z: torch.Tensor) -> torch.Tensor:
        flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        dist = torch.cdist(flat, self.codebook)
        return dist.argmin(-1).view(z.shape[0], z.shape[2], z.shape[3])

    def lookup(self, codes: torch.Tensor) -> torch.Tensor:
        return self.codebook[codes].permute(0, 3, 1, 2)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns (straight-through quantised z, codes, vq loss)."""
        if self.training:
            self._maintain(z.detach())
        codes = self.codes(z)
        q = self.lookup(codes)
        loss = F.mse_loss(q, z.detach()) + self.beta * F.mse_loss(z, q.detach())
        if self.training:
            counts = torch.bincount(codes.flatten(), minlength=len(self.usage)).float()
            self.usage.mul_(self.decay).add_((1 - self.decay) * counts / counts.sum() * len(self.usage))
        return z + (q - z).detach(), codes, loss

    @torch.no_grad()
    def _maintain(self, z: torch.Tensor) -> None:
        flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        if not bool(self.initialised):
            self.codebook.data.copy_(flat[torch.randint(len(flat), (len(self.codebook),))])
            self.initialised.fill_(True)
            return
        dead = self.usage < 0.03
        if dead.any():
            picks = flat[torch.randint(len(flat), (int(dead.sum()),))]
            self.codebook.data[dead] = picks
            self.usage[dead] = 1.0


class VQVAEAbstraction(DigitAbstraction):
    """Y' = the codes of a small VQ-VAE; its decoder gives P(Y|Y') per pixel.

    encode: (batch, 8, 8) -> (batch, 4, 4) codes in [0, codebook). The continuous
    latent (batch, dim, 4, 4) is exposed for equation (1) (`regen.core.joint`).
    """

    learned = True

    def __init__(self, codebook: int = 16, dim: int = 16, hidden: int = 32, beta: float = 0.25) -> None:
        super().__init__()
        self.dim = dim
        self._space = Space(f"vq{codebook}-4x4", "discrete", (SIDE // 2, SIDE // 2), codebook)
        self.encoder = nn.Sequential(
            nn.Conv2d(1, hidden, 3, padding=1), nn.GELU(),
            nn.Conv2d(hidden, hidden, 4, stride=2, padding=1), nn.GELU(),
            nn.Conv2d(hidden, dim, 1))
        self.quantizer = VectorQuantizer(codebook, dim, beta)
        self.decoder = nn.Sequential(
            nn.Conv2d(dim, hidden, 3, padding=1), nn.GELU(),
            nn.ConvTranspose2d(hidden, hidden, 4, stride=2, padding=1), nn.GELU(),
            nn.Conv2d(hidden, LEVELS, 3, padding=1))

    def latent(self, y: torch.Tensor) -> torch.Tensor:
        """(batch, 8, 8) -> continuous latent (batch, dim, 4, 4)."""
        return self.encoder(y.float().unsqueeze(1) / (LEVELS - 1))

    def encode(self, y: torch.Tensor) -> torch.Tensor:
        return self.quantizer.codes(self.latent(y))

    def decode(self, y_abs: torch.Tensor) -> torch.Tensor:
        """Most likely grey level per pixel: (batch, 8, 8)."""
        return self.decoder(self.quantizer.lookup(y_abs)).argmax(1)

    def nll_from_latent(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        q = self.quantizer.lookup(self.quantizer.codes(z))
        q = z + (q - z).detach()
        return F.cross_entropy(self.decoder(q), y)

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        y = batch["y"]
        q, _, vq = self.quantizer(self.latent(y))
        rec = F.cross_entropy(self.decoder(q), y)
        return {"loss": rec + vq, "reconstruction": rec, "vq": vq}
