"""Counting a model's trainable weights (what 'parameters' means in every table and meta.json)."""

from __future__ import annotations

from torch import nn


def parameter_count(model: nn.Module) -> int:
    """Number of parameters of `model` (buffers such as normalisation statistics excluded)."""
    return int(sum(p.numel() for p in model.parameters()))
