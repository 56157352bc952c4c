"""Training: a Lightning adapter for any Objective, and a Trainer built from config."""

from regen.train.config import PhaseConfig, TrainerConfig
from regen.train.fit import fit_objective

__all__ = ["PhaseConfig", "TrainerConfig", "fit_objective"]
