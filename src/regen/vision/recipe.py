"""The digits task: build, train, sample and evaluate class -> Y' -> image (or Direct)."""

from __future__ import annotations

import time
from pathlib import Path

import torch
from torch import nn

from regen.core.checkpoint import Checkpoint, load_weights, save_checkpoint
from regen.core.config import to_dict
from regen.core.direct import Direct
from regen.core.errors import ConfigError
from regen.core.joint import JointHead
from regen.core.provenance import command_line, fingerprint, git_commit, seed_everything
from regen.core.recipe import Recipe
from regen.core.regenerator import Regenerator
from regen.core.space import Space
from regen.train.phases import Phase, run_phases
from regen.vision.abstractions import IMAGE_SPACE, PoolAbstraction, VQVAEAbstraction
from regen.vision.assets import load_classifier
from regen.vision.config import ImageConfig, NetConfig
from regen.vision.digits import CLASSES, DigitSplits, labelled_subset, load_splits
from regen.vision.figures import save_grid
from regen.vision.metrics import score_samples
from regen.vision.stages import TokenARStage

CLASS_SPACE = Space("digit-class", "discrete", (), CLASSES)


def _stage(src: Space, dst: Space, net: NetConfig) -> TokenARStage:
    return TokenARStage(src, dst, net.d_model, net.layers, net.heads, net.dropout)


def build(cfg: ImageConfig) -> nn.Module:
    """A Regenerator (method regen) or a Direct model (method direct) from its config."""
    if cfg.method == "direct":
        return Direct(_stage(CLASS_SPACE, IMAGE_SPACE, cfg.direct), IMAGE_SPACE)
    a = cfg.abstraction
    if a.kind == "pool":
        abstraction = PoolAbstraction(2, a.levels)
    else:
        abstraction = VQVAEAbstraction(a.codebook, a.dim, a.hidden, a.beta)
    joint = None
    if cfg.options.joint_weight > 0:
        if not abstraction.learned:
            raise ConfigError("options.joint_weight > 0 needs a learned abstraction (abstraction.kind: vqvae)")
        joint = JointHead(CLASS_SPACE, (a.dim, 4, 4))
    return Regenerator(abstraction, _stage(CLASS_SPACE, abstraction.space, cfg.converter),
                       _stage(abstraction.space, IMAGE_SPACE, cfg.renderer), cfg.options, joint)


def phases(cfg: ImageConfig, model: nn.Module, splits: DigitSplits) -> list[Phase]:
    """Training phases. Unlabelled phases see every training image; labelled ones only
    the `data.label_fraction` subset."""
    keep = labelled_subset(splits.train_labels, cfg.data.label_fraction, cfg.data.split_seed)
    paired = {"x": splits.train_labels[keep], "y": splits.train_images[keep]}
    valid = {"x": splits.valid_labels, "y": splits.valid_images}
    t = cfg.train
    if isinstance(model, Direct):
        return [Phase("direct", model.objective(), paired, t.direct, valid)]
    out = []
    if model.abstraction.learned:
        labelled = torch.zeros(len(splits.train_labels), dtype=torch.bool)
        labelled[keep] = True
        unpaired = {"y": splits.train_images, "x": torch.where(labelled, splits.train_labels, 0),
                    "labelled": labelled}
        out.append(Phase("abstraction", model.abstraction_objective(), unpaired, t.abstraction, valid))
    out.append(Phase("renderer", model.renderer_objective(), {"y": splits.train_images}, t.renderer,
                     {"y": splits.valid_images}))
    out.append(Phase("converter", model.converter_objective(), paired, t.converter, valid))
    if cfg.options.mismatch == "converter":
        out.append(Phase("finetune", model.finetune_objective(), paired, t.finetune, valid))
    return out


@torch.no_grad()
def draw(model: nn.Module, labels: torch.Tensor, temperature: float, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Samples for the requested classes: (images (n, 8, 8), Y' or None)."""
    model.eval()
    torch.manual_seed(seed)
    if isinstance(model, Direct):
        return model.sample(labels, 1, temperature=temperature), None
    y_abs, images = model.sample(labels, 1, {"temperature": temperature}, {"temperature": temperature})
    return images, y_abs


def evaluate_model(model: nn.Module, cfg: ImageConfig, splits: DigitSplits) -> dict[str, float]:
    """Accuracy / Frechet distance / diversity / nearest-training-image distance of samples."""
    labels = torch.arange(CLASSES).repeat_interleave(cfg.eval.samples_per_class)
    images, _ = draw(model, labels, cfg.eval.temperature, cfg.eval.seed)
    return score_samples(load_classifier(), images, labels, splits.test_images, splits.train_images)


class DigitsRecipe(Recipe):
    """class -> Y' -> 8x8 digit, with the pooled or VQ-VAE abstraction, or Direct."""

    task = "image"
    config_class = ImageConfig

    def train(self, cfg: ImageConfig, run_dir: Path, resume: bool, out: Path) -> Path:
        seed_everything(cfg.seed)
        splits = load_splits(cfg.data.split_seed)
        model = build(cfg)
        started = time.perf_counter()
        summaries, is_zero = run_phases(model, phases(cfg, model, splits), cfg.trainer, run_dir, cfg.seed, resume)
        if not is_zero:
            return out
        metrics = evaluate_model(model, cfg, splits)
        meta = {"command": command_line(), "git_commit": git_commit(), "seed": cfg.seed,
                "data": {"source": "sklearn.datasets.load_digits",
                         "fingerprint": fingerprint(splits.train_images, splits.train_labels),
                         "label_fraction": cfg.data.label_fraction},
                "phases": summaries, "train_seconds": round(time.perf_counter() - started, 2),
                "metrics": metrics}
        return save_checkpoint(out, model, to_dict(cfg), meta)

    def load(self, ckpt: Checkpoint) -> tuple[ImageConfig, nn.Module]:
        """The config and the model with its weights loaded."""
        cfg = self.config_of(ckpt)
        return cfg, load_weights(build(cfg), ckpt).eval()

    def sample(self, ckpt: Checkpoint, out_dir: Path, n: int, seed: int, temperature: float) -> list[Path]:
        cfg, model = self.load(ckpt)
        labels = torch.arange(CLASSES).repeat_interleave(n)
        images, y_abs = draw(model, labels, temperature, seed)
        files = [save_grid(images, out_dir / "samples.png", CLASSES, f"{cfg.name}: samples, one class per row")]
        if y_abs is not None:
            files.append(save_grid(model.abstraction.decode(y_abs), out_dir / "abstractions.png", CLASSES,
                                   f"{cfg.name}: Y' drawn by the converter (decoded)"))
        return files

    def evaluate(self, ckpt: Checkpoint) -> dict[str, float]:
        cfg, model = self.load(ckpt)
        return evaluate_model(model, cfg, load_splits(cfg.data.split_seed))
