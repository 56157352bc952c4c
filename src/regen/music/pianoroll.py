"""Piano-roll PNG of a chorale grid, marking fixed (given) versus generated notes; the title in the
fonts of `regen.music.fonts` (a CJK file name draws in a CJK font, or is left out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from regen.core.files import save_figure
from regen.music.fonts import drawable, figure_fonts
from regen.music.grid import REST, STEPS_PER_BAR, VOICES, notes_of_voice, token_to_pitch

COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd")


def write_pianoroll(grid: np.ndarray, path: str | Path, fixed: np.ndarray | None = None, title: str = "") -> Path:
    """Draw grid (4, time) to a PNG: generated notes filled in voice colours, fixed
    notes (where `fixed` (4, time) is True at the note onset) grey with a voice-coloured edge."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.asarray(grid)
    fixed = np.zeros(grid.shape, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    with figure_fonts():
        fig, ax = plt.subplots(figsize=(max(6.0, grid.shape[1] / 16), 4), dpi=110)
        _draw(ax, grid, fixed, drawable(title))
        fig.tight_layout()
        return save_figure(fig, path)


def _draw(ax: Any, grid: np.ndarray, fixed: np.ndarray, title: str) -> None:
    """The notes of grid (4, time), the bar lines, axes and legend on `ax`."""
    from matplotlib.patches import Patch, Rectangle

    lo, hi = 127, 0
    for v, row in enumerate(grid):
        for start, length, token in notes_of_voice(row):
            if token == REST:
                continue
            pitch = int(token_to_pitch(np.array(token)))
            lo, hi = min(lo, pitch), max(hi, pitch)
            given = bool(fixed[v, start])
            ax.add_patch(Rectangle((start, pitch - 0.4), length - 0.1, 0.8, facecolor="#bbbbbb" if given else COLORS[v],
                                   edgecolor=COLORS[v], linewidth=1.2 if given else 0.4))
    for bar in range(0, grid.shape[1] + 1, STEPS_PER_BAR):
        ax.axvline(bar, color="#eeeeee", linewidth=0.8, zorder=0)
    ax.set_xlim(0, grid.shape[1])
    ax.set_ylim((lo if hi else 40) - 2, (hi if hi else 80) + 2)
    ax.set_xlabel("16th-note step")
    ax.set_ylabel("MIDI pitch")
    ax.set_title(title)
    handles = [Patch(color=c, label=n) for c, n in zip(COLORS, VOICES)]
    if fixed.any():
        handles.append(Patch(facecolor="#bbbbbb", edgecolor="black", label="given (fixed)"))
    ax.legend(handles=handles, loc="upper right", fontsize=7, ncol=len(handles))
