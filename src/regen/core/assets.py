"""Where the shipped checkpoints live (src/regen/assets/)."""

from __future__ import annotations

from pathlib import Path

from regen.core.errors import CheckpointError

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def asset_path(*parts: str) -> Path:
    """Path of a shipped checkpoint, with a one-line error naming `make assets` if absent."""
    path = ASSETS.joinpath(*parts)
    if not path.exists():
        raise CheckpointError(f"shipped checkpoint {path} is missing; rebuild it with `make assets`")
    return path
