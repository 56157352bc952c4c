"""Atomic file output: write to a temporary sibling, then rename, so nothing is left half-written."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from regen.core.errors import RegenError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on error it is removed."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as exc:
        raise RegenError(f"cannot write {path}: {exc.strerror or exc}; choose another output path") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 `text` to `path` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def save_figure(fig: Any, path: str | Path, dpi: int = 100) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    try:
        with atomic_path(path, ".png") as tmp:
            fig.savefig(tmp, dpi=dpi, format="png")
    finally:
        plt.close(fig)
    return Path(path)


def check_writable(path: str | Path) -> None:
    """RegenError (one line) unless a file can be created at `path`; leaves nothing behind
    except the folders it had to create."""
    path = Path(path)
    if path.is_dir():
        raise RegenError(f"cannot write {path}: it is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=path.parent)
    except OSError as exc:
        raise RegenError(f"cannot write {path}: {exc.strerror or exc}; choose another output path") from None
    os.close(fd)
    os.unlink(tmp)


def check_output_dir(path: str | Path) -> Path:
    """RegenError (one line) unless `path` is, or can be made, a writable folder; creates it."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise RegenError(f"output folder {path} is an existing file; choose a folder name")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".probe.", dir=path)
    except OSError as exc:
        raise RegenError(f"cannot write into {path}: {exc.strerror or exc}; choose another output folder") from None
    os.close(fd)
    os.unlink(tmp)
    return path
