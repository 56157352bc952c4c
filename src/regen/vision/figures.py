"""PNG grids of digits."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from regen.core.files import save_figure  # noqa: E402
from regen.vision.digits import LEVELS  # noqa: E402


def save_grid(images: torch.Tensor, path: str | Path, rows: int, title: str = "") -> Path:
    """Write images (n, 8, 8) as a grid with `rows` rows (one class per row) to a PNG, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = -(-len(images) // rows)
    fig, axes = plt.subplots(rows, cols, squeeze=False, figsize=(cols * 0.6, rows * 0.6 + (0.4 if title else 0)))
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i].numpy(), cmap="gray_r", vmin=0, vmax=LEVELS - 1, interpolation="nearest")
    if title:
        fig.suptitle(title, fontsize=9)
    return save_figure(fig, path, dpi=80)
