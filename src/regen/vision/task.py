"""The digits task: build, train, sample and evaluate class -> Y' -> image (or Direct)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import torch
from torch import nn

from regen.core.direct import Direct
from regen.core.errors import ConfigError
from regen.core.joint import JointHead
from regen.core.provenance import fingerprint
from regen.core.regenerator import Regenerator
from regen.core.run_config import RunConfig
from regen.core.task import Task, TrainingPlan, register
from regen.train.config import PhaseConfig
from regen.train.plan import Phase
from regen.vision.abstractions import CLASS_SPACE, IMAGE_SPACE, PoolAbstraction, VQVAEAbstraction
from regen.vision.assets import load_classifier
from regen.vision.config import DataConfig, ModelConfig, SampleConfig
from regen.vision.digits import CLASSES, DigitSplits, labelled_subset, load_splits
from regen.vision.figures import save_grid
from regen.vision.metrics import score_samples
from regen.core.token_stage import token_stage


def build(model: ModelConfig) -> nn.Module:
    """A Regenerator (method regen) or a Direct model (method direct) from its config."""
    if model.method == "direct":
        return Direct(token_stage(CLASS_SPACE, IMAGE_SPACE, model.direct), IMAGE_SPACE)
    a = model.abstraction
    if a.kind == "pool":
        abstraction = PoolAbstraction(a.factor, a.levels)
    else:
        abstraction = VQVAEAbstraction(a.codebook, a.dim, a.hidden, a.beta)
    joint = None
    if model.options.joint_weight > 0:
        joint = JointHead(CLASS_SPACE, (a.dim, 4, 4))
    return Regenerator(abstraction, token_stage(CLASS_SPACE, abstraction.space, model.converter),
                       token_stage(abstraction.space, IMAGE_SPACE, model.renderer), model.options, joint)


def phases(cfg: RunConfig, model: nn.Module, splits: DigitSplits) -> list[Phase]:
    """Training phases. Unlabelled phases see every training image; labelled ones only
    the `data.label_fraction` subset."""
    keep = labelled_subset(splits.train_labels, cfg.data.label_fraction, cfg.data.labels_drawn_with)
    paired = {"x": splits.train_labels[keep], "y": splits.train_images[keep]}
    valid = {"x": splits.valid_labels, "y": splits.valid_images}
    t = SimpleNamespace(**cfg.phases)
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
    if cfg.model.options.mismatch == "converter":
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


@register
class DigitsTask(Task):
    """class -> Y' -> 8x8 digit, with the pooled or VQ-VAE abstraction, or Direct."""

    name = "image"
    domain = "image"
    model_config = ModelConfig
    data_config = DataConfig
    sample_config = SampleConfig
    demo = "regen.vision.demo"

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"abstraction": PhaseConfig(), "renderer": PhaseConfig(), "converter": PhaseConfig(),
                "finetune": PhaseConfig(max_steps=200, lr=3e-4), "direct": PhaseConfig()}

    def check_config(self, cfg: RunConfig, where: str) -> None:
        m = cfg.model
        if m.method == "regen" and m.options.joint_weight > 0 and m.abstraction.kind != "vqvae":
            raise ConfigError(f"{where}: model.options.joint_weight > 0 needs a learned abstraction "
                              "(model.abstraction.kind: vqvae)")

    def build(self, cfg: RunConfig) -> nn.Module:
        return build(cfg.model)

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        splits = load_splits(cfg.data.split_seed)
        data = {"source": "sklearn.datasets.load_digits",
                "fingerprint": fingerprint(splits.train_images, splits.train_labels),
                "label_fraction": cfg.data.label_fraction}
        return TrainingPlan(phases(cfg, model, splits), data)

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        labels = torch.arange(CLASSES).repeat_interleave(n)
        images, y_abs = draw(model, labels, cfg.sample.temperature if temperature is None else temperature, seed)
        files = [save_grid(images, out_dir / "samples.png", CLASSES, f"{cfg.name}: samples, one class per row")]
        if y_abs is not None:
            files.append(save_grid(model.abstraction.decode(y_abs), out_dir / "abstractions.png", CLASSES,
                                   f"{cfg.name}: Y' drawn by the converter (decoded)"))
        return files

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float]:
        """Accuracy / Frechet distance / diversity / nearest-training-image distance of samples."""
        splits = load_splits(cfg.data.split_seed)
        labels = torch.arange(CLASSES).repeat_interleave(cfg.sample.samples_per_class)
        images, _ = draw(model, labels, cfg.sample.temperature, cfg.sample.seed)
        return score_samples(load_classifier(), images, labels, splits.test_images, splits.train_images)
