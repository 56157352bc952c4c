"""The handwritten digits that ship with scikit-learn: 1,797 images, 8x8, 17 grey levels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.datasets import load_digits

LEVELS = 17  # pixel values 0..16
SIDE = 8
CLASSES = 10


@dataclass
class DigitSplits:
    """Fixed train/valid/test split. images: (n, 8, 8) int64 in [0, 16]; labels: (n,)."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    valid_images: torch.Tensor
    valid_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor


def load_splits(seed: int = 0) -> DigitSplits:
    """70/15/15 split by a seeded permutation (1,257 / 269 / 271 images)."""
    bunch = load_digits()
    images = torch.from_numpy(bunch.images.astype(np.int64))
    labels = torch.from_numpy(bunch.target.astype(np.int64))
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    n_train, n_valid = int(0.7 * len(order)), int(0.15 * len(order))
    parts = order[:n_train], order[n_train:n_train + n_valid], order[n_train + n_valid:]
    return DigitSplits(*(t for idx in parts for t in (images[idx], labels[idx])))


def labelled_subset(labels: torch.Tensor, fraction: float, seed: int = 0) -> torch.Tensor:
    """Indices of a class-stratified `fraction` of the examples: round(fraction * n) in all, at least one
    per class, the rest shared in proportion to the class sizes (largest remainders first)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"label fraction must be in (0, 1], got {fraction}")
    sizes = torch.bincount(labels, minlength=CLASSES)
    want = sizes.double() * fraction
    counts = want.floor().long().clamp_min(1)
    order = (want - want.floor()).argsort(descending=True).tolist()
    for c in order[: max(0, round(fraction * len(labels)) - int(counts.sum()))]:
        counts[c] += 1
    gen = torch.Generator().manual_seed(seed + 1)
    keep = []
    for c in range(CLASSES):
        idx = (labels == c).nonzero().flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        keep.append(idx[: min(int(counts[c]), len(idx))])
    return torch.cat(keep).sort().values
