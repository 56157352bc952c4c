"""Per-stage diagnostics: the abstraction classifier learns real Y', and each stage's figure can move."""

from __future__ import annotations

import torch

from regen.core.task import load_model
from regen.vision.assets import load_classifier
from regen.vision.diagnostics import fit_abstraction_classifier, stage_diagnostics
from regen.vision.digits import load_splits


def test_abstraction_classifier_reads_real_abstractions_and_not_noise() -> None:
    splits = load_splits(0)
    model, _, _ = load_model("image/digits-vq-tiny")
    train = model.encode(splits.train_images)
    judge = fit_abstraction_classifier(train, splits.train_labels, model.abstraction.space.vocab)
    with torch.no_grad():
        real = (judge(model.encode(splits.test_images)).argmax(-1) == splits.test_labels).float().mean()
        noise = torch.randint(0, model.abstraction.space.vocab, (len(splits.test_labels), 4, 4))
        chance = (judge(noise).argmax(-1) == splits.test_labels).float().mean()
    assert float(real) > 0.85 and float(chance) < 0.3


def test_stage_diagnostics_of_the_shipped_models() -> None:
    splits, classifier = load_splits(0), load_classifier()
    for name in ("image/digits-pool-tiny", "image/digits-vq-tiny"):
        model, _, _ = load_model(name)
        d = stage_diagnostics(model, splits, classifier, per_class=10)
        assert 0 <= d["renderer_accuracy"] <= 1 and d["renderer_fd"] > 0 and 0 < d["converter_distinct"] <= 1
        assert 0.5 < d["renderer_consistency"] <= 1
        assert 0.5 < d["converter_ceiling"] <= 1 and 0 <= d["abstraction_exact_pixels"] <= 1
    assert d["abstraction_codes_used"] <= d["abstraction_codebook"] == 16  # the VQ-VAE reports its code use
    broken = load_model("image/digits-vq-tiny")[0]
    with torch.no_grad():
        for p in broken.renderer.parameters():
            p.mul_(0.0)  # a renderer that ignores its input cannot draw the right digit
    worse = stage_diagnostics(broken, splits, classifier, per_class=10)
    assert worse["renderer_accuracy"] < 0.3 and worse["converter_accuracy"] == d["converter_accuracy"]
    assert worse["renderer_consistency"] < d["renderer_consistency"] - 0.3
