"""The paradigm in code: Abstraction, Stage, Regenerator, Direct, checkpoints, configs.

The names below load on first use (PEP 562), so that `from regen.core.errors import RegenError` does
not import torch: the command line sets the OpenMP thread count before torch starts
(`regen.core.threads.set_thread_environment`), which an earlier import would defeat."""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {"Abstraction": "abstraction", "Direct": "direct", "CheckpointError": "errors", "ConfigError": "errors",
          "RegenError": "errors", "SpaceMismatchError": "errors", "Objective": "objective",
          "Regenerator": "regenerator", "RegeneratorOptions": "regenerator", "Space": "space", "Stage": "stage"}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'regen.core' has no attribute '{name}'")
    return getattr(importlib.import_module(f"regen.core.{_WHERE[name]}"), name)
