"""Sample quality: class accuracy, Frechet distance in classifier features, diversity."""

from __future__ import annotations

import numpy as np
import torch
from scipy import linalg

from regen.vision.classifier import DigitClassifier
from regen.vision.digits import LEVELS


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to feature sets a (n, d) and b (m, d)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # tr sqrt(A B) = tr sqrt(A^1/2 B A^1/2), a symmetric PSD matrix: stable through eigh.
    vals, vecs = linalg.eigh(cov_a)
    half = (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    cross = np.sqrt(np.clip(linalg.eigvalsh(half @ cov_b @ half), 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * cross)


def diversity(images: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean pairwise L2 distance between same-class images, pixels scaled to [0, 1]."""
    flat = images.float().flatten(1) / (LEVELS - 1)
    values = []
    for c in labels.unique():
        group = flat[labels == c]
        if len(group) > 1:
            d = torch.cdist(group, group)
            values.append(d.sum() / (len(group) * (len(group) - 1)))
    return float(torch.stack(values).mean())


def nearest_distance(images: torch.Tensor, train: torch.Tensor) -> float:
    """Mean L2 distance from each image to its nearest training image (pixels in [0, 1]).

    A model that copies its training data scores near 0; real held-out digits set the
    level of a model that generalises.
    """
    a = images.float().flatten(1) / (LEVELS - 1)
    b = train.float().flatten(1) / (LEVELS - 1)
    return float(torch.cdist(a, b).min(dim=1).values.mean())


@torch.no_grad()
def score_samples(classifier: DigitClassifier, samples: torch.Tensor, labels: torch.Tensor,
                  reference: torch.Tensor, train: torch.Tensor) -> dict[str, float]:
    """accuracy (classifier agrees with the requested class), fd (vs `reference` images),
    diversity, and nn_train (distance to the nearest of the `train` images: memorisation).

    samples: (n, 8, 8); labels: (n,) requested classes; reference: (m, 8, 8) real test
    images; train: (k, 8, 8) the training images.
    """
    classifier.eval()
    accuracy = (classifier(samples).argmax(-1) == labels).float().mean().item()
    fd = frechet_distance(classifier.features(samples).numpy().astype(np.float64),
                          classifier.features(reference).numpy().astype(np.float64))
    return {"accuracy": accuracy, "fd": fd, "diversity": diversity(samples, labels),
            "nn_train": nearest_distance(samples, train)}
