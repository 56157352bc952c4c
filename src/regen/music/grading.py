"""The chorale grade regen reports everywhere: the published "Bach or Mock?" grade.

Every grade the project computes (`regen music grade`, `regen evaluate`, best-of selection,
`regen music augment`, the demo page and the music benchmark) is the grade of Fang, Liu,
Seetharaman & Pardo (2020), computed by `regen.music.bach_or_mock` against the authors' published
reference statistics; it reproduces their test vectors. Lower is more Bach-like; a chorale the
grader cannot measure (no notes, a voice without intervals) grades infinitely far.

- `grade_grid(grid)`: one (4, time) token grid, written to MusicXML as regen writes its outputs
  and graded as read back (a few tenths of a second).
- `grade_grids(grids)`: many grids, under a progress bar.
- `grade_source(source)`: a four-part MusicXML/MIDI file or a music21 corpus name, graded as parsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from regen.core.progress import progress
from regen.music.bach_or_mock import FEATURES, grade_file, grade_grid, grade_score
from regen.music.scores import ScoreError

__all__ = ["FEATURES", "grade_grid", "grade_grids", "grade_source"]


def grade_grids(grids: Sequence[np.ndarray], desc: str = "grade", unit: str = "grid",
                enabled: bool = True) -> list[dict[str, float]]:
    """The published grade ({"grade": sum, feature: distance}) of each (4, time) grid, under a bar
    labelled `desc` (off with `enabled=False` or `REGEN_PROGRESS=0`)."""
    return [grade_grid(g) for g in progress(grids, desc=desc, unit=unit, enabled=enabled)]


def grade_source(source: str | Path) -> dict[str, float]:
    """The published grade of a four-part MusicXML/MIDI file or music21 corpus name (`bach/bwv66.6`),
    graded as music21 parses it (no grid in between)."""
    from music21 import corpus, stream

    path = Path(source)
    if path.is_dir():
        raise ScoreError(f"{path} is a directory; pass a MusicXML (.musicxml/.xml/.mxl) or MIDI (.mid) file")
    if path.exists() or path.suffix.lower() in {".mid", ".midi", ".xml", ".musicxml", ".mxl"}:
        return grade_file(path)
    try:
        score = corpus.parse(str(source))
    except Exception:  # noqa: BLE001 - music21 raises many unrelated types for an unknown name
        raise ScoreError(f"{source} is neither an existing score file nor a music21 corpus name "
                         "(such as bach/bwv66.6)") from None
    if not isinstance(score, stream.Score):
        raise ScoreError(f"{source} holds no four-part score; pass a MusicXML or MIDI chorale")
    return grade_score(score)
