"""Seeds, git commits and data fingerprints recorded with every run."""

from __future__ import annotations

import hashlib
import random
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def git_commit() -> str:
    """The commit of the source checkout regen runs from, with '-dirty' if it has uncommitted
    changes (the shipped checkpoints in src/regen/assets are outputs and do not count);
    'installed package' when regen is not running from a git checkout."""
    root = Path(__file__).resolve().parents[3]
    if not (root / "pyproject.toml").is_file() or not (root / ".git").exists():
        return "installed package"
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":(exclude)src/regen/assets"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def command_line() -> str:
    """The command that started this process, as a shell-quoted string (`python -m regen.cli.main` is
    written as the `regen` command it is)."""
    name = Path(sys.argv[0]).name or "python"
    if Path(sys.argv[0]).parts[-3:] == ("regen", "cli", "main.py"):
        name = "regen"
    return " ".join(shlex.quote(a) for a in [name, *sys.argv[1:]])


def fingerprint(*arrays: np.ndarray | torch.Tensor) -> str:
    """A short SHA-256 of array contents, shapes and dtypes."""
    digest = hashlib.sha256()
    for array in arrays:
        a = array.detach().cpu().numpy() if isinstance(array, torch.Tensor) else np.asarray(array)
        digest.update(str((a.shape, a.dtype.str)).encode())
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()[:16]


def training_budget(meta: dict, phase: str) -> tuple[float, int]:
    """(training seconds, steps) of a checkpoint's `phase` from its meta.json (a snapshot's own
    figures, else the phase summary), with those of the checkpoints it started from
    (`trainer.init_from`, recorded under `init_from`, chained) added."""
    info = meta.get("snapshot") or meta.get("phases", {}).get(phase, {})
    steps = info.get("step", info.get("steps", 0))
    seconds = info.get("train_seconds", info.get("seconds", float("nan")))
    source = meta.get("init_from")
    while source:
        earlier = source["phases"][phase]
        steps, seconds, source = steps + earlier["steps"], seconds + earlier["seconds"], source.get("init_from")
    return seconds, steps
