"""Spectrogram pictures (PNG, matplotlib's Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from regen.core.files import save_figure  # noqa: E402


def save_spectrogram_png(path: str | Path, log_mels: list[np.ndarray], titles: list[str],
                         hop_seconds: float | None = None) -> Path:
    """Draw one or more log-mels (frames, n_mels) stacked vertically; atomic write.

    `hop_seconds` labels the x axis in seconds instead of frames.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(len(log_mels), 1, figsize=(10, 2.6 * len(log_mels)), squeeze=False)
    for ax, mel, title in zip(axes[:, 0], log_mels, titles):
        mel = np.asarray(mel)
        extent = None
        if hop_seconds:
            extent = (0.0, mel.shape[0] * hop_seconds, 0, mel.shape[1])
        image = ax.imshow(mel.T, origin="lower", aspect="auto", cmap="magma", extent=extent)
        ax.set_title(title)
        ax.set_ylabel("mel bin")
        fig.colorbar(image, ax=ax, label="log magnitude")
    axes[-1, 0].set_xlabel("seconds" if hop_seconds else "frame")
    fig.tight_layout()
    return save_figure(fig, path)


def save_alignment_png(path: str | Path, alignment: np.ndarray, title: str, symbols: list[str] | None = None) -> Path:
    """Draw an attention alignment (decoder steps, input symbols) as a heat map; atomic write.

    `symbols` labels the input axis when given (one per input column).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    a = np.asarray(alignment)
    fig, ax = plt.subplots(figsize=(max(6.0, min(16.0, a.shape[0] / 12)), max(3.0, min(10.0, a.shape[1] / 8))))
    ax.imshow(a.T, origin="lower", aspect="auto", cmap="viridis", vmin=0.0, vmax=max(float(a.max()), 1e-6))
    ax.set_title(title)
    ax.set_xlabel("decoder step")
    ax.set_ylabel("input symbol")
    if symbols is not None and len(symbols) == a.shape[1] and len(symbols) <= 120:
        ax.set_yticks(range(len(symbols)))
        ax.set_yticklabels(symbols, fontsize=5)
    fig.tight_layout()
    return save_figure(fig, path)
