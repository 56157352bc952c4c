"""`Phase`: what a task's `plan` returns for each training phase (kept free of Lightning, so that
importing a task for inference does not load it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

from regen.core.objective import Objective
from regen.train.config import PhaseConfig
from regen.train.data import Mixture

if TYPE_CHECKING:
    import lightning as L


@dataclass
class Phase:
    """One phase: an objective, its data (name -> (N, ...) tensors, or a `Mixture` of sources) and its
    optimisation."""

    name: str
    objective: Objective
    data: dict[str, torch.Tensor] | Mixture
    config: PhaseConfig
    valid: dict[str, torch.Tensor] | None = None
    callbacks: list[L.Callback] = field(default_factory=list)
