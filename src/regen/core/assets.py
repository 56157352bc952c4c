"""Where the shipped checkpoints live (regen/assets/<domain>/<name>), found by name or path."""

from __future__ import annotations

import difflib
from pathlib import Path

from regen.core.errors import CheckpointError

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def asset_names() -> list[str]:
    """Names of the shipped checkpoints, e.g. 'speech/repmix-tiny'."""
    return sorted(str(p.parent.relative_to(ASSETS)) for p in ASSETS.glob("*/*/meta.json"))


def asset_path(*parts: str) -> Path:
    """Path of a shipped checkpoint, with a one-line error naming `make assets` if absent."""
    path = ASSETS.joinpath(*parts)
    if not path.exists():
        raise CheckpointError(f"shipped checkpoint {path} is missing; rebuild it with `make assets`")
    return path


def resolve_checkpoint(name_or_path: str | Path) -> Path:
    """An existing path as given, else the shipped checkpoint of that name ('music/sunmask-conv-tiny')."""
    path = Path(name_or_path)
    if path.exists():
        return path
    shipped = ASSETS / str(name_or_path)
    if str(name_or_path).count("/") == 1 and (shipped / "meta.json").is_file():
        return shipped
    close = difflib.get_close_matches(str(name_or_path), asset_names(), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else "shipped ones: " + ", ".join(asset_names())
    raise CheckpointError(f"checkpoint {name_or_path} does not exist; {hint}")
