"""Text -> speech with the duration-based converter: the speech `Regenerator` X -> Y' -> Y.

    X   text, split into sentences (`regen.speech.tts.speaker.text_pieces`), each spelled in phones
        (`data.phone_sequence`)
    Y'  log-mel ~ the converter, up to `PHRASES_PER_CALL` sentences as the rows of one batch, each
        cut to its own predicted length and joined with the speaker's sentence pause (silent frames)
    Y   waveform ~ the renderer, in one pass: the iSTFT vocoder (the shipped `speech/istft-tiny`)
        or Griffin-Lim / L-BFGS

`DurationSpeaker` is a `Speaker`: it returns the same `Speech` (one `Phrase` per sentence, its hard
path as the alignment), so the command line, the demo and the benchmarks treat every converter
alike. Unlike the attention models, a whole sentence is one row: a hard monotonic path cannot lose
its way on long text. Controls: `voice` (a name of `voices`, or its part after the colon),
`rate` (speaking-rate factor through the durations, on top of the checkpoint's `sample.length_scale` and
`sample.voice_length_scales`)
and `pitch_shift` (semitones).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from regen.core.errors import RegenError
from regen.core.progress import progress as progress_bar
from regen.speech.tts.duration.data import phone_sequence
from regen.speech.tts.duration.model import DurationTTS
from regen.speech.tts.duration.voices import voice_mix
from regen.speech.tts.rerank import inspect_alignment
from regen.speech.tts.speaker import PHRASES_PER_CALL, Phrase, Speaker, Speech, text_pieces
from regen.speech.tts.text_input import pack_text


@dataclass
class DurationPhrase(Phrase):
    """A sentence said by the duration model. Its alignment is a hard monotonic path that gives every
    symbol at least one frame, so it cannot skip, stall or turn back; `success` asks what remains: that the
    sentence is no longer than the attention models may speak (`limit`: 0.5 s + `Speaker.max_seconds_per_symbol`
    per symbol)."""

    seconds: float = 0.0
    limit: float = float("inf")

    @property
    def success(self) -> bool:
        return self.seconds <= self.limit


class DurationSpeaker(Speaker):
    """Text -> `Speech` with a trained `DurationTTS` and a renderer; see the module docstring."""

    default_input_mode = "phones"
    converter: DurationTTS

    def length_scale(self, voice: str | None) -> float:
        """Every predicted duration of `voice` (None: the first) is multiplied by this before `rate`: the
        checkpoint's `sample.length_scale` times its calibrated `sample.voice_length_scales` entry (for a mix
        of voices, their entries averaged with the mix's weights)."""
        mix = voice_mix(self.voices, voice) if voice else {self.voices[0] if self.voices else "": 1.0}
        per_voice = dict(getattr(self.cfg.sample, "voice_length_scales", {}) or {})
        return float(getattr(self.cfg.sample, "length_scale", 1.0)) * sum(
            weight * float(per_voice.get(name, 1.0)) for name, weight in mix.items())

    @property
    def voices(self) -> list[str]:
        """The voice names this model speaks (empty: one unnamed voice)."""
        return list(self.converter.cfg.speakers)

    @torch.no_grad()
    def say(self, text: str, input_mode: str | None = None, seed: int = 0, progress: bool = False,
            voice: str | None = None, rate: float = 1.0, pitch_shift: float = 0.0) -> Speech:
        """Synthesise `text` in `voice` at speaking rate `rate` with the pitch moved by `pitch_shift`
        semitones (`seed` draws the flow decoder's noise; the regression decoder is deterministic); one-line
        RegenError for empty or unspeakable text, an input mode other than phones, or an unknown voice."""
        if input_mode not in (None, "phones"):
            raise RegenError(f"the duration model reads phones only (input mode '{input_mode}' is for the attention "
                             "models repmix and rmelnet)")
        pieces = [(piece, pause) for piece, pause in text_pieces(text, phrases=False)
                  if any(token.is_word for token in self.front_end.tokens(piece))]
        if not pieces:
            raise RegenError(f"nothing speakable in {text[:40]!r}: it holds no word (letters) to say")
        spelled = [phone_sequence(piece, self.front_end) for piece, _ in pieces]
        silence = math.log(self.mel.log_floor)
        chunks: list[torch.Tensor] = []
        phrases: list[Phrase] = []
        groups = range(0, len(pieces), PHRASES_PER_CALL)
        for first in progress_bar(groups, desc="saying sentences", unit="batch", enabled=progress and len(groups) > 1):
            rows = spelled[first: first + PHRASES_PER_CALL]
            mel = self.converter.sample(pack_text(rows), voice=voice, rate=rate / self.length_scale(voice),
                                        pitch_shift=pitch_shift, seed=seed + first)
            generated = self.converter.last_generated
            for row, (seq, (piece, pause)) in enumerate(zip(rows, pieces[first: first + PHRASES_PER_CALL])):
                frames = int(generated.lengths[row])
                chunks.append(mel[row, :frames])
                chunks.append(torch.full((int(pause * self.mel.sample_rate / self.mel.hop_length), self.mel.n_mels),
                                         silence))
                path = generated.alignment[row, :frames, : len(seq)].cpu()
                report = inspect_alignment(path, frames, len(seq))
                seconds = frames * self.mel.hop_length / self.mel.sample_rate
                limit = 0.5 + self.max_seconds_per_symbol * len(seq)
                phrases.append(DurationPhrase(piece, seq.symbols(), path.numpy(), report, True, seconds, limit))
        joined = torch.cat(chunks[:-1], 0)
        wave = self.regenerator.renderer.sample(joined[None])[0]
        return Speech(wave.numpy(), self.mel.sample_rate, joined.numpy(), self.mel, phrases)


def durations_of(speech: Speech) -> list[np.ndarray]:
    """Frames per symbol (symbols,) of every sentence of a `DurationSpeaker`'s speech (its hard paths' columns)."""
    return [p.alignment.sum(0).round().astype(np.int64) for p in speech.phrases]


class WaveformSpeaker(DurationSpeaker):
    """A duration-based speaker whose model gives waveforms row by row (`render_rows`) instead of log-mels
    for a separate renderer: sentences are joined with their pauses as silence, and the `Speech` carries
    the output's own log-mel (for pictures)."""

    def render_rows(self, cond: torch.Tensor, voice: str | None, rate: float, pitch_shift: float, seed: int,
                    **controls: float) -> list[tuple[np.ndarray, int, torch.Tensor]]:
        """Per row of cond (rows, symbols, 3): (waveform (samples,), mel frames, hard path (frames, symbols))."""
        raise NotImplementedError

    @property
    def output_mel(self) -> "MelConfig":  # noqa: F821
        """The mel settings of the output's own log-mel (`Speech.mel`)."""
        return self.mel

    @torch.no_grad()
    def say(self, text: str, input_mode: str | None = None, seed: int = 0, progress: bool = False,
            voice: str | None = None, rate: float = 1.0, pitch_shift: float = 0.0, **controls: float) -> Speech:
        """Synthesise `text` (controls as `DurationSpeaker.say`, plus the model's own in `controls`); one-line
        RegenError for empty text, another input mode or an unknown voice."""
        from regen.speech.features.mel import log_mel

        if input_mode not in (None, "phones"):
            raise RegenError(f"this model reads phones only (input mode '{input_mode}' is for repmix and rmelnet)")
        pieces = [(piece, pause) for piece, pause in text_pieces(text, phrases=False)
                  if any(token.is_word for token in self.front_end.tokens(piece))]
        if not pieces:
            raise RegenError(f"nothing speakable in {text[:40]!r}: it holds no word (letters) to say")
        spelled = [phone_sequence(piece, self.front_end) for piece, _ in pieces]
        mel = self.output_mel
        waves, phrases = [], []
        for first in range(0, len(pieces), PHRASES_PER_CALL):
            rows = spelled[first: first + PHRASES_PER_CALL]
            made = self.render_rows(pack_text(rows), voice, rate / self.length_scale(voice), pitch_shift, seed + first,
                                    **controls)
            for (wave, frames, path), seq, (piece, pause) in zip(made, rows, pieces[first: first + PHRASES_PER_CALL]):
                waves += [wave, np.zeros(int(pause * mel.sample_rate), np.float32)]
                path = path[:frames, : len(seq)].cpu()
                seconds = frames * self.mel.hop_length / self.mel.sample_rate
                phrases.append(DurationPhrase(piece, seq.symbols(), path.numpy(), inspect_alignment(path, frames, len(seq)),
                                              True, seconds, 0.5 + self.max_seconds_per_symbol * len(seq)))
        joined = np.concatenate(waves[:-1]).astype(np.float32)
        return Speech(joined, mel.sample_rate, log_mel(joined, mel).numpy(), mel, phrases)
