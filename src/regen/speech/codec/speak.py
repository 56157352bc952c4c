"""Text -> speech through learned codes: the speech `Regenerator` X -> Y' (codes) -> Y.

    X   text, split into sentences, each spelled in phones (as the duration model reads it)
    Y'  codes ~ `CodesTTS`, up to `PHRASES_PER_CALL` sentences as the rows of one batch, each cut to its
        own predicted length
    Y   waveform = the codec's decoder (`CodecRenderer`), sentence by sentence, joined with the sentence
        pauses as silence (`WaveformSpeaker`)

Controls: `voice`, `rate`, `pitch_shift` (as the duration model's), `steps` and `temperature` of the
code sampler (default: the checkpoint's `sample.code_steps` / `sample.code_temperature`), `seed`.
"""

from __future__ import annotations

import numpy as np
import torch

from regen.core.regenerator import Regenerator
from regen.core.run_config import RunConfig
from regen.speech.codec.converter import CodecRenderer, CodesTTS
from regen.speech.features.mel import MelConfig
from regen.speech.text.mixing import TextFrontEnd
from regen.speech.tts.duration.speak import WaveformSpeaker
from regen.speech.tts.task import mel_config_of


class CodesSpeaker(WaveformSpeaker):
    """Text -> `Speech` with a trained `CodesTTS`, rendered by its own codec; see the module docstring."""

    converter: CodesTTS

    def __init__(self, converter: CodesTTS, cfg: RunConfig, front_end: TextFrontEnd | None = None,
                 max_seconds_per_symbol: float = 0.25) -> None:
        self.cfg, self.mel = cfg, mel_config_of(cfg)
        self.front_end = front_end or TextFrontEnd()
        self.max_seconds_per_symbol = max_seconds_per_symbol
        self.direct = False
        self.regenerator = Regenerator(converter.codec, converter, CodecRenderer(converter.codec))
        self.converter = converter

    @property
    def output_mel(self) -> MelConfig:
        return self.converter.codec.mel

    def render_rows(self, cond: torch.Tensor, voice: str | None, rate: float, pitch_shift: float, seed: int,
                    steps: int | None = None, temperature: float | None = None) -> list[tuple[np.ndarray, int, torch.Tensor]]:
        sample = self.cfg.sample
        codes = self.regenerator.converter.sample(
            cond, voice=voice, rate=rate, pitch_shift=pitch_shift, seed=seed,
            steps=steps or int(getattr(sample, "code_steps", 16)),
            temperature=temperature or float(getattr(sample, "code_temperature", 0.7)))
        made = self.converter.last_codes
        out = []
        for row in range(len(codes)):
            frames = int(made.mel_lengths[row])
            wave = self.regenerator.renderer.sample(codes[row: row + 1, : int(made.lengths[row])])[0]
            out.append((wave[: frames * self.converter.codec.cfg.hop].cpu().numpy(), frames, made.alignment[row]))
        return out
