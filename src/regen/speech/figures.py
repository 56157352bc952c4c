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
