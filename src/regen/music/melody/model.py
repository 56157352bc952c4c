"""Lyrics -> melody as a `Regenerator` (lyrics -> template -> melody) or a `Direct` model.

The abstraction Y -> Y' is the rule-based template (`regen.music.melody.template`) on token
rows: a melody row is decoded to its segment, its harmony and cadences are found by the rules,
and the row is written as template tokens. Each row's template is memoised, keyed by the row's
bytes (the renderer meets the same training rows every epoch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
import torch
from torch import nn

from regen.core.abstraction import Abstraction
from regen.core.direct import Direct
from regen.core.regenerator import Regenerator
from regen.core.space import Space
from regen.core.token_stage import NetConfig
from regen.music.melody.stages import MelodyStage
from regen.music.melody.tokens import NOTES, SLOTS, TEMPLATE, decode_notes, template_tokens


@lru_cache(maxsize=1 << 17)
def _template_row(row: bytes, length: int) -> bytes:
    """The template row of a melody row, both as int16 bytes (compact memo keys)."""
    melody = decode_notes(torch.from_numpy(np.frombuffer(row, dtype=np.int16).astype(np.int64)))
    return template_tokens(melody, length).numpy().astype(np.int16).tobytes()


class TemplateAbstraction(Abstraction):
    """Melody rows (batch, PREFIX + SLOTS * length) -> template rows of the same shape, by rules."""

    def __init__(self, length: int) -> None:
        super().__init__()
        self.length = length

    @property
    def space(self) -> Space:
        return TEMPLATE.space(self.length, SLOTS)

    @property
    def target_space(self) -> Space:
        return NOTES.space(self.length, SLOTS)

    def encode(self, y: torch.Tensor) -> torch.Tensor:
        """Melody tokens (batch, length) -> their template tokens (batch, length) (cached per row)."""
        rows = [_template_row(r.tobytes(), self.length) for r in y.cpu().numpy().astype(np.int16)]
        out = np.stack([np.frombuffer(r, dtype=np.int16) for r in rows]).astype(np.int64)
        return torch.from_numpy(out).to(y.device)


@dataclass
class MelodyModelConfig:
    """method: regen (lyrics -> template -> melody) or direct (lyrics -> melody); the stages' sizes."""

    method: Literal["regen", "direct"] = "regen"
    converter: NetConfig = field(default_factory=lambda: NetConfig(d_model=128, layers=2, heads=4))
    renderer: NetConfig = field(default_factory=lambda: NetConfig(d_model=128, layers=3, heads=4))
    direct: NetConfig = field(default_factory=lambda: NetConfig(d_model=128, layers=6, heads=4))


class LyricsMelodyModel(nn.Module):
    """lyrics (batch, PREFIX + length) -> melody (batch, PREFIX + SLOTS * length) tokens."""

    def __init__(self, cfg: MelodyModelConfig, length: int) -> None:
        super().__init__()
        self.cfg, self.length = cfg, length
        self.net: Regenerator | Direct
        if cfg.method == "direct":
            self.net = Direct(MelodyStage("direct", length, cfg.direct), NOTES.space(length, SLOTS))
        else:
            self.net = Regenerator(TemplateAbstraction(length), MelodyStage("converter", length, cfg.converter),
                                   MelodyStage("renderer", length, cfg.renderer))

    @torch.no_grad()
    def generate(self, lyrics: torch.Tensor, n: int = 1, temperature: float = 1.0,
                 top_k: int = 0) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(melodies (batch * n, ...), templates (batch * n, ...) or None for Direct) for lyric rows."""
        self.eval()
        controls = {"temperature": temperature, "top_k": top_k}
        if isinstance(self.net, Direct):
            return self.net.sample(lyrics, n, **controls), None
        templates, melodies = self.net.sample(lyrics, n, controls, controls)
        return melodies, templates
