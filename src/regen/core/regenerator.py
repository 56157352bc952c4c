"""`Regenerator`: X -> Y' -> Y, the composition at the heart of the paradigm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from regen.core.abstraction import Abstraction
from regen.core.errors import SpaceMismatchError
from regen.core.joint import JointHead
from regen.core.objective import Objective
from regen.core.space import Space
from regen.core.stage import Stage
from regen.iterative.corruption import corrupt as corrupt_tokens


@dataclass
class RegeneratorOptions:
    """Switches for the paper's extensions.

    joint_weight: weight of the X-aware terms of equation (1) while a learned
        abstraction is trained (0 turns them off; needs labelled batches).
    mismatch: RQ10, how the renderer meets converter-like inputs in training:
        "none" (clean encode(y)), "noised" (a fraction `mismatch_rate` of Y'
        corrupted), "converter" (fine-tuned on teacher-forced converter samples).
    """

    joint_weight: float = 0.0
    mismatch: Literal["none", "noised", "converter"] = "none"
    mismatch_rate: float = 0.1


def check_spaces(expected: Space, given: Space, consumer: str, producer: str) -> None:
    """Raise a one-line SpaceMismatchError unless `given` fits where `expected` is needed."""
    if not expected.matches(given):
        raise SpaceMismatchError(
            f"{producer} produces [{given.describe()}] but {consumer} expects [{expected.describe()}]; "
            "build both from the same abstraction")


def corrupt(y_abs: torch.Tensor, space: Space, rate: float) -> torch.Tensor:
    """Noised Y': discrete tokens replaced at random with probability `rate`,
    continuous values perturbed by Gaussian noise of `rate` times their std."""
    if space.kind == "discrete":
        known = torch.rand(y_abs.shape, device=y_abs.device) >= rate
        return corrupt_tokens(y_abs, known, space.vocab, "uniform")
    return y_abs + rate * y_abs.std() * torch.randn_like(y_abs)


class Regenerator(nn.Module):
    """Abstraction + converter P(Y'|X) + renderer P(Y|Y').

    Build-time checks: converter output == abstraction space == renderer input,
    and renderer output == the abstraction's target space.
    """

    def __init__(self, abstraction: Abstraction, converter: Stage, renderer: Stage,
                 options: RegeneratorOptions | None = None, joint: JointHead | None = None) -> None:
        super().__init__()
        check_spaces(abstraction.space, converter.output_space, "the abstraction", "the converter")
        check_spaces(renderer.input_space, converter.output_space, "the renderer", "the converter")
        check_spaces(abstraction.target_space, renderer.output_space, "the abstraction (as Y)", "the renderer")
        self.options = options or RegeneratorOptions()
        if self.options.joint_weight > 0 and joint is None:
            raise SpaceMismatchError("joint_weight > 0 needs a JointHead for equation (1); pass joint=JointHead(...)")
        self.abstraction = abstraction
        self.converter = converter
        self.renderer = renderer
        self.joint = joint

    @torch.no_grad()
    def encode(self, y: torch.Tensor) -> torch.Tensor:
        """Y (batch, ...) -> Y' (batch, ...), with the abstraction frozen."""
        return self.abstraction.encode(y)

    @torch.no_grad()
    def sample(self, x: torch.Tensor, n: int = 1, converter_controls: dict[str, Any] | None = None,
               renderer_controls: dict[str, Any] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Y' ~ P(Y'|X), then Y ~ P(Y|Y'). Returns (y_abs, y), each batch * n first."""
        y_abs = self.converter.sample(x, n, **(converter_controls or {}))
        y = self.renderer.sample(y_abs, 1, **(renderer_controls or {}))
        return y_abs, y

    # ---- training phases -------------------------------------------------
    def abstraction_objective(self) -> Objective:
        """Fit a learned abstraction on Y (plus eq. (1) terms on labelled rows)."""
        if not self.abstraction.learned:
            raise ValueError("this abstraction is explicit; it has nothing to train")
        weight = self.options.joint_weight

        def loss(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            out = dict(self.abstraction.loss(batch))
            if weight > 0 and "x" in batch:
                labelled = batch.get("labelled", torch.ones(len(batch["y"]), dtype=torch.bool, device=batch["y"].device))
                if labelled.any():
                    y = batch["y"][labelled]
                    terms = self.joint(batch["x"][labelled], self.abstraction.latent(y), self.abstraction, y)
                    out.update(terms)
                    out["loss"] = out["loss"] + weight * sum(terms.values())
            return out

        modules = {"abstraction": self.abstraction}
        if self.joint is not None:
            modules["joint"] = self.joint
        return Objective("abstraction", loss, modules, trainable=list(modules))

    def renderer_objective(self) -> Objective:
        """Self-supervised P(Y|Y') on unpaired Y: batches need only `y`."""
        noised = self.options.mismatch == "noised"

        def loss(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            y_abs = self.encode(batch["y"])
            if noised:
                y_abs = corrupt(y_abs, self.abstraction.space, self.options.mismatch_rate)
            return self.renderer.loss({"cond": y_abs, "target": batch["y"]})

        return Objective("renderer", loss, {"abstraction": self.abstraction, "renderer": self.renderer}, ["renderer"])

    def converter_objective(self) -> Objective:
        """P(Y'|X) on paired data: batches need `x` and `y`."""

        def loss(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            return self.converter.loss({"cond": batch["x"], "target": self.encode(batch["y"])})

        return Objective("converter", loss, {"abstraction": self.abstraction, "converter": self.converter}, ["converter"])

    def finetune_objective(self) -> Objective:
        """RQ10: renderer fine-tuned on the converter's teacher-forced samples of Y'.

        The converter must implement `teacher_forced(cond, target)`, which draws each
        position of Y' given the true prefix (so the sample stays aligned with y).
        """

        def loss(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            with torch.no_grad():
                y_abs = self.converter.teacher_forced(batch["x"], self.encode(batch["y"]))
            return self.renderer.loss({"cond": y_abs, "target": batch["y"]})

        modules = {"abstraction": self.abstraction, "converter": self.converter, "renderer": self.renderer}
        return Objective("finetune", loss, modules, ["renderer"])
