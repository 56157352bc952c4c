"""Training: a Lightning adapter for any Objective, and a Trainer built from config.

`fit_objective` is imported on first use, so reading configs (which every inference command
does) does not load Lightning.
"""

from typing import Any

from regen.train.config import PhaseConfig, TrainerConfig

__all__ = ["PhaseConfig", "TrainerConfig", "fit_objective"]


def __getattr__(name: str) -> Any:
    if name == "fit_objective":
        from regen.train.fit import fit_objective

        return fit_objective
    raise AttributeError(f"module 'regen.train' has no attribute {name!r}")
