"""The shipped digit classifier used to judge samples."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from regen.core.assets import ASSETS, asset_path
from regen.core.checkpoint import load_weights, read_checkpoint, save_checkpoint
from regen.core.provenance import command_line, fingerprint, git_commit
from regen.vision.classifier import DigitClassifier, train_classifier
from regen.vision.digits import load_splits

CLASSIFIER = ("image", "digit-classifier")
TASK = "digit-classifier"


@lru_cache(maxsize=1)
def load_classifier() -> DigitClassifier:
    """The shipped classifier (trained on the training split only), in eval mode."""
    ckpt = read_checkpoint(asset_path(*CLASSIFIER), task=TASK)
    return load_weights(DigitClassifier(), ckpt).eval()


def build_classifier_asset(out: Path | None = None, seed: int = 0, steps: int = 600) -> Path:
    """Train the classifier on the training split and save it as a checkpoint."""
    splits = load_splits(0)
    model = train_classifier(splits.train_images, splits.train_labels, steps=steps, seed=seed)
    accuracy = (model(splits.test_images).argmax(-1) == splits.test_labels).float().mean().item()
    meta = {"command": command_line(), "git_commit": git_commit(), "seed": seed,
            "data": {"source": "sklearn.datasets.load_digits", "split": "train",
                     "fingerprint": fingerprint(splits.train_images, splits.train_labels)},
            "metrics": {"test_accuracy": accuracy}}
    config = {"task": TASK, "steps": steps, "seed": seed}
    return save_checkpoint(out or ASSETS.joinpath(*CLASSIFIER), model, config, meta)
