"""Spectrogram and alignment pictures (PNG, matplotlib's Agg backend: no display needed).

Figures are drawn at the size a page shows them (`WIDTH` inches, about 480 CSS pixels in the demo
page), with fonts of 9-11 pt and a constrained layout, so every label stays readable and inside the
picture however long the input; long titles wrap. `DPI` keeps the pixels sharp on dense screens.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from regen.core.files import save_figure  # noqa: E402

WIDTH = 5.6  # inches
DPI = 150
TITLE, LABEL, TICK = 11, 10, 9
"""Font sizes in points: at 480 CSS pixels for `WIDTH` inches, 9 pt shows as about 11 pixels."""


def wrap_title(title: str, width_inches: float, points: float = TITLE) -> str:
    """`title` broken into lines that fit `width_inches` at `points` (DejaVu Sans averages under
    0.62 em per character)."""
    chars = max(12, int(width_inches * 72 / (0.62 * points)))
    return "\n".join(textwrap.wrap(title, chars, break_on_hyphens=False)) or title


def _figure(rows: int, height: float) -> tuple[Figure, np.ndarray]:
    """A figure `WIDTH` x `height` inches with `rows` axes (rows, 1) and `TICK`-sized tick labels."""
    fig, axes = plt.subplots(rows, 1, figsize=(WIDTH, height), squeeze=False, layout="constrained")
    for ax in axes[:, 0]:
        ax.tick_params(labelsize=TICK)
    return fig, axes


def _label(ax: plt.Axes, title: str, xlabel: str | None, ylabel: str) -> None:
    """Set the axes' wrapped title and its axis labels at the module's font sizes."""
    ax.set_title(wrap_title(title, WIDTH * 0.8), fontsize=TITLE)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=LABEL)
    ax.set_ylabel(ylabel, fontsize=LABEL)


def save_spectrogram_png(path: str | Path, log_mels: list[np.ndarray], titles: list[str],
                         hop_seconds: float | None = None) -> Path:
    """Draw one or more log-mels (frames, n_mels) stacked vertically; atomic write.

    `hop_seconds` labels the x axis in seconds instead of frames.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = _figure(len(log_mels), 2.3 * len(log_mels))
    for k, (ax, mel, title) in enumerate(zip(axes[:, 0], log_mels, titles)):
        mel = np.asarray(mel)
        extent = None
        if hop_seconds:
            extent = (0.0, mel.shape[0] * hop_seconds, 0, mel.shape[1])
        image = ax.imshow(mel.T, origin="lower", aspect="auto", cmap="magma", extent=extent)
        last = k == len(log_mels) - 1
        _label(ax, title, ("seconds" if hop_seconds else "frame") if last else None, "mel bin")
        bar = fig.colorbar(image, ax=ax, aspect=12)
        bar.set_label("log magnitude", fontsize=LABEL)
        bar.ax.tick_params(labelsize=TICK)
    return save_figure(fig, path, dpi=DPI)


def save_alignment_png(path: str | Path, alignment: np.ndarray, title: str) -> Path:
    """Draw an attention alignment (decoder steps, input symbols) as a heat map; atomic write.

    However many steps, the picture keeps its width and a height of 0.55 to 0.8 of it, so a long
    alignment is drawn denser rather than with smaller labels.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    a = np.asarray(alignment)
    height = WIDTH * float(np.clip(a.shape[1] / max(a.shape[0], 1), 0.55, 0.8))
    fig, axes = _figure(1, height)
    ax = axes[0, 0]
    ax.imshow(a.T, origin="lower", aspect="auto", cmap="viridis", vmin=0.0, vmax=max(float(a.max()), 1e-6),
              interpolation="nearest")
    _label(ax, title, "decoder step", "input symbol")
    return save_figure(fig, path, dpi=DPI)
