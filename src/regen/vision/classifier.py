"""A small CNN trained on real digits: the judge of generated samples."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from regen.vision.digits import CLASSES, LEVELS


class DigitClassifier(nn.Module):
    """images (batch, 8, 8) ints in [0, 16] -> logits (batch, 10); `features` gives (batch, 128)."""

    def __init__(self, width: int = 32, feature_dim: int = 128) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(2 * width * 16, feature_dim), nn.ReLU())
        self.out = nn.Linear(feature_dim, CLASSES)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(images.float().unsqueeze(1) / (LEVELS - 1)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(images))


def train_classifier(images: torch.Tensor, labels: torch.Tensor, steps: int = 600, seed: int = 0,
                     batch_size: int = 64) -> DigitClassifier:
    """Fit the classifier with light augmentation (one-pixel shifts); deterministic for a seed."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = DigitClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(steps):
        idx = torch.randint(len(images), (batch_size,), generator=gen)
        shift = tuple(torch.randint(-1, 2, (2,), generator=gen).tolist())
        batch = torch.roll(images[idx], shifts=shift, dims=(1, 2))
        loss = F.cross_entropy(model(batch), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()
