"""Loading chorale models: a checkpoint directory, or the one shipped with regen."""

from __future__ import annotations

from pathlib import Path

from regen.core.checkpoint import load_weights, read_checkpoint
from regen.music.config import MusicConfig, load_config
from regen.music.model import ChoraleDenoiser

SHIPPED_NAME = "sunmask-conv-tiny"


def shipped_checkpoint() -> Path:
    """The directory of the small trained model shipped in regen/assets/music."""
    return Path(__file__).resolve().parents[1] / "assets" / "music" / SHIPPED_NAME


def load_model(path: str | Path | None = None) -> tuple[ChoraleDenoiser, MusicConfig, dict]:
    """(model in eval mode, its config, its meta) from `path` or the shipped checkpoint."""
    ckpt = read_checkpoint(path or shipped_checkpoint(), task="music")
    cfg = load_config(data=ckpt.config)
    model = ChoraleDenoiser(cfg.model)
    load_weights(model, ckpt)
    return model.eval(), cfg, ckpt.meta
