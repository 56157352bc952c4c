"""Recipes: how a task builds, trains, samples and evaluates its models.

A task registers a `Recipe` subclass here by name; the generic CLI
(`regen train/sample/evaluate/compare/info`) dispatches on a config's `task`.
"""

from __future__ import annotations

import difflib
import importlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from regen.core.checkpoint import Checkpoint, read_checkpoint
from regen.core.config import apply_overrides, parse, read_yaml
from regen.core.errors import ConfigError

RECIPES = {
    "image": "regen.vision.recipe:DigitsRecipe",
}


class Recipe(ABC):
    """The task-specific half of the CLI; everything else is shared."""

    task: str
    config_class: type

    @abstractmethod
    def train(self, cfg: Any, run_dir: Path, resume: bool, out: Path) -> Path:
        """Train every phase of `cfg` under `run_dir`; write the checkpoint to `out`."""

    @abstractmethod
    def sample(self, ckpt: Checkpoint, out_dir: Path, n: int, seed: int, temperature: float) -> list[Path]:
        """Draw samples from a checkpoint into `out_dir`; returns the files written."""

    @abstractmethod
    def evaluate(self, ckpt: Checkpoint) -> dict[str, float]:
        """Quality metrics of a checkpoint on held-out data."""

    def config_of(self, ckpt: Checkpoint) -> Any:
        """The typed config stored in a checkpoint."""
        return parse(self.config_class, ckpt.config, where=str(ckpt.path / "config.yaml"))


def get_recipe(task: str) -> Recipe:
    """The registered recipe for `task`, with a one-line error for an unknown one."""
    if task not in RECIPES:
        close = difflib.get_close_matches(task, list(RECIPES), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known tasks: {', '.join(RECIPES)}"
        domain = next((d for d in ("speech", "music") if task.startswith(d) or (d == "speech" and task == "vocoder")),
                      None)
        if domain:
            hint = f"{domain} models have their own commands: see `regen {domain} --help`"
        raise ConfigError(f"unknown task '{task}'; {hint}")
    module, name = RECIPES[task].split(":")
    return getattr(importlib.import_module(module), name)()


def load_config(path: str | Path, overrides: list[str] | None = None) -> tuple[Recipe, Any]:
    """Read a YAML config, apply `key=value` overrides and validate it for its task."""
    data = apply_overrides(read_yaml(path), list(overrides or []))
    if "task" not in data:
        raise ConfigError(f"{path}: missing key 'task' (one of {', '.join(RECIPES)})")
    recipe = get_recipe(str(data["task"]))
    return recipe, parse(recipe.config_class, data, where=str(path))


def open_checkpoint(path: str | Path) -> tuple[Recipe, Checkpoint]:
    """Read a checkpoint directory and find the recipe that made it."""
    ckpt = read_checkpoint(path)
    return get_recipe(ckpt.task), ckpt
