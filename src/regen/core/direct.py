"""`Direct`: the X -> Y baseline that every regeneration task is compared against."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from regen.core.objective import Objective
from regen.core.regenerator import check_spaces
from regen.core.space import Space
from regen.core.stage import Stage


class Direct(nn.Module):
    """One stage straight from X to Y, trained on paired data only."""

    def __init__(self, model: Stage, target_space: Space) -> None:
        super().__init__()
        check_spaces(target_space, model.output_space, "the task's Y", "the direct model")
        self.model = model

    @torch.no_grad()
    def sample(self, x: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """Y ~ P(Y|X): (batch * n, ...)."""
        return self.model.sample(x, n, **controls)

    def objective(self) -> Objective:
        """P(Y|X) on paired data: batches need `x` and `y`."""

        def loss(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            return self.model.loss({"cond": batch["x"], "target": batch["y"]})

        return Objective("direct", loss, {"model": self.model}, ["model"])
