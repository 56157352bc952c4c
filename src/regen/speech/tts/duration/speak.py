"""Text -> speech with the duration-based converter: the speech `Regenerator` X -> Y' -> Y.

    X   text, split into sentences (`regen.speech.tts.speaker.text_pieces`), each spelled in phones
        (`data.phone_sequence`)
    Y'  log-mel ~ the converter, all sentences as the rows of one batch, each cut to its own
        predicted length and joined with the speaker's sentence pause (silent frames)
    Y   waveform ~ the renderer, in one pass: the iSTFT vocoder (`sample.renderer: istft`, the
        checkpoint `sample.vocoder`, shipped `speech/istft-tiny`) or Griffin-Lim / L-BFGS

composed by `regen.core.regenerator.Regenerator` with the `LogMel` abstraction, which checks that
the converter's mel config is the renderer's. Unlike the attention models, the whole sentence is
one row: a hard monotonic path cannot lose its way on long text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from regen.core.errors import RegenError
from regen.core.regenerator import Regenerator
from regen.core.stage import Stage
from regen.core.task import load_model
from regen.speech.features.abstraction import LogMel
from regen.speech.features.mel import MelConfig
from regen.speech.text.mixing import TextFrontEnd
from regen.speech.tts.duration.data import phone_sequence
from regen.speech.tts.duration.model import DurationTTS
from regen.speech.tts.renderers import InversionRenderer, NeuralRenderer
from regen.speech.tts.speaker import text_pieces
from regen.speech.tts.text_input import pack_text


def build_renderer(renderer: str, mel: MelConfig, vocoder: str = "speech/istft-tiny", iterations: int = 64) -> Stage:
    """The Y' -> Y stage named by `renderer`: istft (the iSTFT vocoder checkpoint `vocoder`), gl or lbfgs."""
    if renderer == "istft":
        model, _, _ = load_model(vocoder, task="speech-istft")
        return NeuralRenderer(model, mel)
    return InversionRenderer(mel, renderer, iterations)


@dataclass
class DurationSpeech:
    """A synthesised text: wave (samples,), raw log-mel (frames, n_mels), and per sentence its text,
    symbols and frames per symbol (symbols,)."""

    wave: np.ndarray
    sample_rate: int
    mel: np.ndarray
    texts: list[str]
    symbols: list[list[str]]
    durations: list[np.ndarray]

    @property
    def seconds(self) -> float:
        return len(self.wave) / self.sample_rate

    def alignment(self) -> np.ndarray:
        """Every sentence's hard path (frames, symbols) as one block-diagonal 0/1 matrix (pauses left out)."""
        out = np.zeros((sum(int(d.sum()) for d in self.durations), sum(len(d) for d in self.durations)), np.float32)
        frame = 0
        for symbol, count in enumerate(np.concatenate(self.durations)):
            out[frame: frame + count, symbol] = 1.0
            frame += count
        return out


class DurationSpeaker:
    """Text -> `DurationSpeech` with a trained `DurationTTS` and a renderer; see the module docstring."""

    def __init__(self, converter: DurationTTS, mel: MelConfig, renderer: Stage,
                 front_end: TextFrontEnd | None = None) -> None:
        self.mel = mel
        self.regenerator = Regenerator(LogMel(mel), converter, renderer)
        self.converter: DurationTTS = converter
        self.front_end = front_end or TextFrontEnd()

    @torch.no_grad()
    def say(self, text: str, voice: str | None = None, rate: float = 1.0, pitch_shift: float = 0.0) -> DurationSpeech:
        """Synthesise `text` in `voice` at speaking rate `rate` with the pitch moved by `pitch_shift`
        semitones; one-line RegenError for empty or unspeakable text."""
        pieces = [(piece, pause) for piece, pause in text_pieces(text, phrases=False)
                  if any(token.is_word for token in self.front_end.tokens(piece))]
        if not pieces:
            raise RegenError(f"nothing speakable in {text[:40]!r}: it holds no word (letters) to say")
        spelled = [phone_sequence(piece, self.front_end) for piece, _ in pieces]
        mel = self.converter.sample(pack_text(spelled), voice=voice, rate=rate, pitch_shift=pitch_shift)
        generated = self.converter.last_generated
        silence = torch.full((1, self.mel.n_mels), math.log(self.mel.log_floor))
        chunks, durations = [], []
        for row, (seq, (_, pause)) in enumerate(zip(spelled, pieces)):
            chunks.append(mel[row, : int(generated.lengths[row])])
            chunks.append(silence.expand(int(pause * self.mel.sample_rate / self.mel.hop_length), -1))
            durations.append(generated.alignment[row, :, : len(seq)].sum(0).long().numpy())
        joined = torch.cat(chunks[:-1], 0)
        wave = self.regenerator.renderer.sample(joined[None])[0]
        return DurationSpeech(wave.numpy(), self.mel.sample_rate, joined.numpy(), [p for p, _ in pieces],
                              [seq.symbols() for seq in spelled], durations)
