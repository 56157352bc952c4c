"""Text -> speech through learned codes: the speech `Regenerator` X -> Y' (codes) -> Y.

    X   text, split into sentences, each spelled in phones (as the duration model reads it)
    Y'  codes ~ `CodesTTS`, up to `PHRASES_PER_CALL` sentences as the rows of one batch, each cut to its
        own predicted length
    Y   waveform = the codec's decoder (`CodecRenderer`), sentence by sentence, joined with the sentence
        pauses as silence

`CodesSpeaker` returns the same `Speech` as every other speaker (its log-mel is the output's own, for
pictures), so the command line and the benchmarks treat it alike. Controls: `voice`, `rate`,
`pitch_shift` (as the duration model's), `steps` and `temperature` of the code sampler, `seed`.
"""

from __future__ import annotations

import numpy as np
import torch

from regen.core.errors import RegenError
from regen.core.regenerator import Regenerator
from regen.core.run_config import RunConfig
from regen.speech.codec.converter import CodecRenderer, CodesTTS
from regen.speech.features.mel import log_mel
from regen.speech.text.mixing import TextFrontEnd
from regen.speech.tts.duration.data import phone_sequence
from regen.speech.tts.duration.speak import DurationPhrase, DurationSpeaker
from regen.speech.tts.rerank import inspect_alignment
from regen.speech.tts.speaker import PHRASES_PER_CALL, Speech, text_pieces
from regen.speech.tts.task import mel_config_of
from regen.speech.tts.text_input import pack_text


class CodesSpeaker(DurationSpeaker):
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

    @torch.no_grad()
    def say(self, text: str, input_mode: str | None = None, seed: int = 0, progress: bool = False,
            voice: str | None = None, rate: float = 1.0, pitch_shift: float = 0.0, steps: int | None = None,
            temperature: float | None = None) -> Speech:
        """Synthesise `text`; `steps`/`temperature` default to the checkpoint's `sample.code_steps` /
        `sample.code_temperature`. One-line RegenError for empty text, another input mode or an unknown voice."""
        if input_mode not in (None, "phones"):
            raise RegenError(f"the codes model reads phones only (input mode '{input_mode}' is for repmix and rmelnet)")
        pieces = [(piece, pause) for piece, pause in text_pieces(text, phrases=False)
                  if any(token.is_word for token in self.front_end.tokens(piece))]
        if not pieces:
            raise RegenError(f"nothing speakable in {text[:40]!r}: it holds no word (letters) to say")
        sample = self.cfg.sample
        steps = steps or int(getattr(sample, "code_steps", 16))
        temperature = temperature or float(getattr(sample, "code_temperature", 0.7))
        spelled = [phone_sequence(piece, self.front_end) for piece, _ in pieces]
        rate_out = self.converter.codec.mel.sample_rate
        waves, phrases = [], []
        for first in range(0, len(pieces), PHRASES_PER_CALL):
            rows = spelled[first: first + PHRASES_PER_CALL]
            codes = self.regenerator.converter.sample(pack_text(rows), voice=voice, rate=rate / self.length_scale(voice),
                                                      pitch_shift=pitch_shift, steps=steps, temperature=temperature,
                                                      seed=seed + first)
            made = self.converter.last_codes
            for row, (seq, (piece, pause)) in enumerate(zip(rows, pieces[first: first + PHRASES_PER_CALL])):
                wave = self.regenerator.renderer.sample(codes[row: row + 1, : int(made.lengths[row])])[0]
                frames = int(made.mel_lengths[row])
                waves += [wave[: frames * self.converter.codec.cfg.hop].numpy(), np.zeros(int(pause * rate_out), np.float32)]
                path = made.alignment[row, :frames, : len(seq)].cpu()
                seconds = frames * self.mel.hop_length / self.mel.sample_rate
                phrases.append(DurationPhrase(piece, seq.symbols(), path.numpy(), inspect_alignment(path, frames, len(seq)),
                                              True, seconds, 0.5 + self.max_seconds_per_symbol * len(seq)))
        joined = np.concatenate(waves[:-1]).astype(np.float32)
        return Speech(joined, rate_out, log_mel(joined, self.converter.codec.mel).numpy(), self.converter.codec.mel,
                      phrases)
