"""The Bach chorale corpus shipped with music21, prepared once and cached.

Preparation keeps the four-part chorales, puts each on the 16th-note grid
(`regen.music.grid`), splits them by chorale into train/valid/test with a fixed
seed, and stores everything in one `.npz` whose name carries a fingerprint of the
source files, the music21 version and the preparation code. When any of those
change the fingerprint changes and the cache is rebuilt.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from regen.core.cache import cache_dir
from regen.core.files import atomic_path
from regen.music.grid import (HIGHEST_PITCH, LOWEST_PITCH, REST, TRANSPOSITIONS, VOICES, WINDOW, token_to_pitch,
                              transpose_grid, windows)
from regen.music.scores import ScoreError, score_to_grid

PREP_VERSION = 1
SPLIT_SEED = 1234
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
SPLITS = ("train", "valid", "test")


def chorale_names() -> list[str]:
    """music21 corpus names of the Bach chorales (Riemenschneider order)."""
    from music21 import corpus

    return [str(n) for n in corpus.chorales.Iterator(returnType="filename")]


def source_fingerprint(names: list[str]) -> str:
    """Hash of chorale file names and sizes, the music21 version and PREP_VERSION."""
    import music21
    from music21 import corpus

    digest = hashlib.sha256(f"{music21.__version__}|{PREP_VERSION}|{SPLIT_SEED}".encode())
    for name in names:
        found = corpus.getWork(name)
        for path in (found if isinstance(found, list) else [found]):
            path = Path(str(path))
            digest.update(f"{name}:{path.name}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:12]


@dataclass
class ChoraleCorpus:
    """Prepared chorales: `grids[i]` is (4, time_i) tokens; `split[name]` holds chorale indices."""

    names: list[str]
    grids: list[np.ndarray]
    split: dict[str, np.ndarray]
    fingerprint: str
    skipped: int = 0

    def chorales(self, split: str) -> list[np.ndarray]:
        """The full grids (4, time) of one split."""
        return [self.grids[i] for i in self.split[split]]

    def windows(self, split: str, length: int = WINDOW, hop: int = WINDOW, transpose: bool = False) -> np.ndarray:
        """(n, 4, length) windows of a split; with `transpose`, every in-range shift in -6..+5 too."""
        out = []
        for grid in self.chorales(split):
            base = windows(grid, length, hop)
            if not transpose:
                out.append(base)
                continue
            for shift in TRANSPOSITIONS:
                moved = transpose_grid(base, shift)
                if moved is not None:
                    out.append(moved)
        return np.concatenate(out) if out else np.zeros((0, 4, length), dtype=np.int64)

    def summary(self) -> list[str]:
        """Human-readable counts: chorales, windows, pitch range per voice."""
        lines = [f"chorales: {len(self.names)} four-part ({self.skipped} skipped); "
                 + ", ".join(f"{s} {len(self.split[s])}" for s in SPLITS),
                 "windows of 4x128 (hop 128): " + ", ".join(f"{s} {len(self.windows(s))}" for s in SPLITS)
                 + f"; train with transpositions {len(self.windows('train', transpose=True))}"]
        allgrid = np.concatenate(self.grids, axis=1)
        for v, voice in enumerate(VOICES):
            p = token_to_pitch(allgrid[v][allgrid[v] != REST])
            lines.append(f"{voice}: MIDI {p.min()}..{p.max()}, rests {float((allgrid[v] == REST).mean()):.1%}")
        lines.append(f"vocabulary: rest + MIDI {LOWEST_PITCH}..{HIGHEST_PITCH}; fingerprint {self.fingerprint}")
        return lines


def _split(n: int) -> dict[str, np.ndarray]:
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    n_train = int(round(SPLIT_FRACTIONS[0] * n))
    n_valid = int(round(SPLIT_FRACTIONS[1] * n))
    parts = (order[:n_train], order[n_train:n_train + n_valid], order[n_train + n_valid:])
    return {s: np.sort(p) for s, p in zip(SPLITS, parts)}


def build_corpus(names: list[str], fingerprint: str, progress: bool = True) -> ChoraleCorpus:
    """Parse the chorales with music21 (a minute or two) and keep the four-part ones."""
    from music21 import corpus

    from regen.core.progress import progress as bar

    kept, grids, skipped = [], [], 0
    for name in bar(names, desc="chorales", unit="chorale", enabled=progress):
        try:
            read = score_to_grid(corpus.parse(name), name, parts_needed=(4,))
        except ScoreError:
            skipped += 1
            continue
        kept.append(name)
        grids.append(read.grid)
    return ChoraleCorpus(kept, grids, _split(len(kept)), fingerprint, skipped)


def _save(corp: ChoraleCorpus, path: Path) -> None:
    lengths = np.array([g.shape[1] for g in corp.grids])
    with atomic_path(path, ".npz") as tmp:
        np.savez_compressed(tmp, grids=np.concatenate(corp.grids, axis=1).astype(np.int8), lengths=lengths,
                            names=np.array(corp.names), skipped=np.array(corp.skipped),
                            **{f"split_{s}": corp.split[s] for s in SPLITS})


def _load(path: Path, fingerprint: str) -> ChoraleCorpus:
    with np.load(path) as z:
        bounds = np.concatenate([[0], np.cumsum(z["lengths"])])
        flat = z["grids"].astype(np.int64)
        grids = [flat[:, a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        return ChoraleCorpus([str(n) for n in z["names"]], grids, {s: z[f"split_{s}"] for s in SPLITS},
                             fingerprint, int(z["skipped"]))


_MEMO: dict[str, ChoraleCorpus] = {}


def load_corpus(progress: bool = True) -> ChoraleCorpus:
    """The prepared corpus, from the cache when its fingerprint matches the sources."""
    names = chorale_names()
    fp = source_fingerprint(names)
    if fp in _MEMO:
        return _MEMO[fp]
    path = cache_dir("music") / f"chorales-{fp}.npz"
    if path.exists():
        corp = _load(path, fp)
    else:
        if progress:
            print(f"preparing {len(names)} Bach chorales from music21 (once; cached at {path})", file=sys.stderr,
                  flush=True)
        corp = build_corpus(names, fp, progress)
        _save(corp, path)
    _MEMO[fp] = corp
    return corp
