"""Per-stage diagnostics of a digits Regenerator: which of its stages fails?

- renderer alone: images rendered from the *true* abstractions of the test images (Y' = encode(y)),
  scored like samples (accuracy against the test labels, Frechet distance, diversity): what the
  renderer gives when the converter is perfect; and its consistency, the share of Y' cells that
  encoding the rendered images gives back (does the renderer draw what Y' says?).
- converter alone: the abstractions it draws per class, classified by a small classifier trained
  on real abstractions of the training images (how often the drawn Y' shows the requested digit),
  against that classifier's accuracy on real test abstractions (its ceiling); and the diversity of
  the drawn Y' (share of distinct ones).
- abstraction: the share of pixels its decoder gets back exactly from encode(y) (the pooled
  abstraction decodes coarsely by design), and for the VQ-VAE how many codes the test images use.
"""

from __future__ import annotations

import torch
from torch import nn

from regen.core.regenerator import Regenerator
from regen.vision.classifier import DigitClassifier
from regen.vision.digits import CLASSES, DigitSplits
from regen.vision.metrics import score_samples


class AbstractionClassifier(nn.Module):
    """Class logits from a grid of Y' tokens (batch, h, w): token embeddings, an MLP."""

    def __init__(self, vocab: int, cells: int, dim: int = 16, hidden: int = 128) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(cells * dim, hidden), nn.GELU(), nn.Linear(hidden, CLASSES))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.embed(tokens.flatten(1)))


def fit_abstraction_classifier(codes: torch.Tensor, labels: torch.Tensor, vocab: int, steps: int = 400,
                               seed: int = 0) -> AbstractionClassifier:
    """Train an `AbstractionClassifier` on real abstractions codes (n, h, w) and their labels."""
    with torch.enable_grad():
        return _fit(codes, labels, vocab, steps, seed)


def _fit(codes: torch.Tensor, labels: torch.Tensor, vocab: int, steps: int, seed: int) -> AbstractionClassifier:
    torch.manual_seed(seed)
    model = AbstractionClassifier(vocab, codes[0].numel())
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(len(codes), (128,), generator=gen)
        loss = nn.functional.cross_entropy(model(codes[idx]), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


@torch.no_grad()
def stage_diagnostics(model: Regenerator, splits: DigitSplits, classifier: DigitClassifier,
                      per_class: int = 50, temperature: float = 1.0, seed: int = 0) -> dict[str, float]:
    """The figures of the module docstring, as one flat dict (prefixes renderer_, converter_, abstraction_)."""
    model.eval()
    torch.manual_seed(seed)
    test_abs = model.encode(splits.test_images)
    rendered = model.renderer.sample(test_abs, 1, temperature=temperature)
    renderer = score_samples(classifier, rendered, splits.test_labels, splits.test_images, splits.train_images)
    vocab = model.abstraction.space.vocab
    judge = fit_abstraction_classifier(model.encode(splits.train_images), splits.train_labels, vocab, seed=seed)
    ceiling = float((judge(test_abs).argmax(-1) == splits.test_labels).float().mean())
    labels = torch.arange(CLASSES).repeat_interleave(per_class)
    drawn = model.converter.sample(labels, 1, temperature=temperature)
    converter_acc = float((judge(drawn).argmax(-1) == labels).float().mean())
    distinct = len({tuple(t.flatten().tolist()) for t in drawn}) / len(drawn)
    out = {f"renderer_{k}": v for k, v in renderer.items()}
    out["renderer_consistency"] = float((model.encode(rendered) == test_abs).float().mean())
    out.update({"converter_accuracy": converter_acc, "converter_ceiling": ceiling, "converter_distinct": distinct})
    try:
        decoded = model.abstraction.decode(test_abs)
        out["abstraction_exact_pixels"] = float((decoded == splits.test_images).float().mean())
    except NotImplementedError:
        pass
    if hasattr(model.abstraction, "quantizer"):
        out["abstraction_codes_used"] = float(len(test_abs.unique()))
        out["abstraction_codebook"] = float(vocab)
    return out
