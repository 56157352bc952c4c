"""`progress`: the one progress-bar style of regen (tqdm on stderr, like the training bars).

Every command that can take more than a few seconds (sampling, harmonizing, grading, evaluation,
corpus and cache builds) shows one of these, labelled with what it is doing. `REGEN_PROGRESS=0`
turns them all off (the training bars follow `trainer.progress`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress_enabled(requested: bool = True) -> bool:
    """Whether a bar should be drawn: `requested` and not switched off by `REGEN_PROGRESS=0`."""
    return requested and os.environ.get("REGEN_PROGRESS", "1").strip().lower() not in ("0", "false", "no", "off")


def progress(iterable: Iterable[T] | None = None, *, desc: str, total: int | None = None, unit: str = "it",
             enabled: bool = True, leave: bool = False, **kwargs: Any) -> tqdm:
    """A tqdm bar labelled `desc` over `iterable` (or a manual bar of `total`, advanced with `.update`).

    Drawn on stderr so stdout stays clean for a command's results; disabled by `enabled=False` or
    `REGEN_PROGRESS=0` (then it is a silent pass-through with the same interface).
    """
    return tqdm(iterable, desc=desc, total=total, unit=unit, leave=leave, dynamic_ncols=True,
                disable=not progress_enabled(enabled), **kwargs)


def tracked(iterable: Iterable[T], desc: str, total: int | None = None, unit: str = "it",
            enabled: bool = True) -> Iterator[T]:
    """Iterate `iterable` under a bar; the bar closes when the loop ends or breaks."""
    with progress(iterable, desc=desc, total=total, unit=unit, enabled=enabled) as bar:
        yield from bar
