"""Augmented generative training (Liu et al., 2020; thesis §8.11): the model's best-graded samples
become extra training windows for a further run from its own weights.

    regen music augment --n 400 --keep 80 --out data/music-augment.npz
    regen train music/sunmask-conv-tiny --set data.augment=data/music-augment.npz \
        --set trainer.init_from=music/sunmask-conv-tiny --run-dir runs/music-agt

`best_samples` draws unconditional 4x128 grids in batches, grades each with the published
Bach-or-Mock grader (`regen.music.grading`) and keeps the best; `save_augmentation` writes them as
an .npz (int16 grids, their grades and a JSON record of the model and sampler that drew them),
`load_augmentation` reads and checks one (no pickles) for `data.augment`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from regen.core.errors import RegenError
from regen.core.files import atomic_path
from regen.core.progress import progress as bar
from regen.iterative import SamplerConfig
from regen.music.grading import grade_grid
from regen.music.grid import VOCAB, VOICES, WINDOW
from regen.music.tasks import unconditional


def best_samples(model: Any, sampler: SamplerConfig, n: int, keep: int, seed: int = 0, batch: int = 50,
                 progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The `keep` best-graded of `n` unconditional draws: grids (keep, 4, 128) and their grades (keep,),
    best first. Draws the grader cannot measure (no notes, a voice without intervals) are never kept."""
    if not 1 <= keep <= n:
        raise RegenError(f"--keep must lie between 1 and --n ({n}), got {keep}")
    grids, grades = [], []
    with bar(total=n, desc="draw and grade", unit="sample", enabled=progress) as drawn:
        for start in range(0, n, batch):
            for result in unconditional(model, sampler, min(batch, n - start), seed + start):
                grids.append(result.grid)
                grades.append(grade_grid(result.grid)["grade"])
                drawn.update()
    order = [i for i in np.argsort(grades, kind="stable") if np.isfinite(grades[i])][:keep]
    if len(order) < keep:
        raise RegenError(f"only {len(order)} of {n} draws could be graded; draw more (--n) or keep fewer (--keep)")
    return np.stack([grids[i] for i in order]).astype(np.int16), np.asarray([grades[i] for i in order])


def save_augmentation(path: str | Path, grids: np.ndarray, grades: np.ndarray, source: dict[str, Any]) -> Path:
    """Write `grids` (n, 4, 128), `grades` (n,) and `source` (JSON) to an .npz, atomically."""
    path = Path(path)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, grids=grids.astype(np.int16), grades=grades.astype(np.float64),
                 source=np.asarray(json.dumps(source)))
    return path


def load_augmentation(path: str | Path) -> np.ndarray:
    """The grids (n, 4, 128) int64 of an .npz written by `save_augmentation`; RegenError if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise RegenError(f"data.augment {path} does not exist; write it with `regen music augment --out {path}`")
    try:
        with np.load(path, allow_pickle=False) as saved:
            grids = saved["grids"]
    except (OSError, ValueError, KeyError) as exc:
        raise RegenError(f"data.augment {path} is not an augmentation file ({exc}); "
                         "write one with `regen music augment`") from None
    if grids.ndim != 3 or grids.shape[1:] != (len(VOICES), WINDOW) or not np.issubdtype(grids.dtype, np.integer):
        raise RegenError(f"data.augment {path} holds grids of shape {grids.shape}; expected (n, 4, {WINDOW}) tokens")
    if grids.size and (grids.min() < 0 or grids.max() >= VOCAB):
        raise RegenError(f"data.augment {path} holds tokens outside 0..{VOCAB - 1}; it was not written by regen")
    return grids.astype(np.int64)
