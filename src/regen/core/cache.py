"""The user cache folder for prepared data (chorale grids, evaluation recordings, statistics).

$REGEN_CACHE_DIR (also set by `regen --cache-dir DIR`), else $XDG_CACHE_HOME/regen,
else ~/.cache/regen. Nothing is cached inside the installed package or a checkout.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The cache folder (or a sub-folder of it); not created here."""
    root = os.environ.get("REGEN_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = str(Path(xdg) / "regen") if xdg else str(Path.home() / ".cache" / "regen")
    return Path(root).joinpath(*parts)
