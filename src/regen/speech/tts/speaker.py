"""Text -> speech with a trained converter and a renderer: the speech `Regenerator` at work.

    X  text                  -> representation-mixed symbols (`TextFrontEnd`)
    Y' log-mel               ~ P(Y'|X): RepMix TTS or R-MelNet (`regen.speech.tts.task`)
    Y  waveform              ~ P(Y|Y'): Griffin-Lim, L-BFGS or the WaveRNN vocoder
                               (`regen.speech.tts.renderers`)

composed by `regen.core.regenerator.Regenerator` with the `LogMel` abstraction, which
checks at build time that the converter's mel config is the renderer's. The Direct
baseline has no Y': its converter returns the waveform itself.

Long text is split into sentences, and, for models trained on phrases
(`data.phrases`), each sentence into phrases at , ; : . A piece longer than the
model's training rows (about `data.max_seconds` of speech, at `CHARS_PER_SECOND`) is
cut again at word boundaries into near-equal parts: attention models trained on
short rows lose their way on longer text. The pieces are synthesised as the rows of one
batch (up to `PHRASES_PER_CALL` per converter call, each row stopping on its own),
cropped where their attention reached the end, and joined with short silences
(0.05 s inside a phrase, 0.15 s after a phrase, 0.3 s after a sentence) before one
rendering pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from regen.core.errors import RegenError
from regen.core.regenerator import Regenerator
from regen.core.stage import Stage
from regen.speech.tts.direct import DirectTTS
from regen.speech.features.abstraction import LogMel
from regen.speech.features.mel import MelConfig
from regen.speech.tts.renderers import VOCODERS, InversionRenderer, build_renderer
from regen.speech.text.mixing import MixedSequence, TextFrontEnd
from regen.speech.tts.text_input import pack_text
from regen.speech.tts.rerank import AlignmentReport, inspect_alignment
from regen.speech.tts.rmelnet import RMelNet
from regen.speech.data.sentences import split_sentences
from regen.speech.tts.data import split_phrases
from regen.core.run_config import RunConfig
from regen.core.task import load_model
from regen.speech.tts.task import TTSModel, mel_config_of

INPUT_MODES = ("mixed", "chars", "phones")
WORD_PAUSE, PHRASE_PAUSE, SENTENCE_PAUSE = 0.05, 0.15, 0.3
# festival:slt reads about 15.8 characters a second; the margin keeps cut pieces inside
# the trained lengths (95 % of the 3 s training phrases hold at most 45 characters).
CHARS_PER_SECOND = 13.5
PHRASES_PER_CALL = 16  # phrases drawn by one converter call (rows of one batch)


def alignment_success(report: AlignmentReport, stopped: bool, tokens: int, max_backtrack: float = 2.0,
                      max_skipped: float = 0.1) -> bool:
    """A usable alignment of a text of `tokens` symbols: it stopped by itself, reached the
    last token, its centroid moved backwards by at most `max_backtrack` symbols in all
    (more would repeat a syllable), it skipped at most `max_skipped` of the symbols and
    never stalled."""
    return (stopped and report.reached_end and report.backtrack * tokens <= max_backtrack
            and report.skipped <= max_skipped and report.stall == 0.0)


@dataclass
class Phrase:
    """One synthesised piece: its text, mixed symbols, attention (steps, symbols) and verdict."""

    text: str
    symbols: list[str]
    alignment: np.ndarray
    report: AlignmentReport
    stopped: bool

    @property
    def success(self) -> bool:
        return alignment_success(self.report, self.stopped, len(self.symbols))


@dataclass
class Speech:
    """A synthesised utterance: wave (samples,), raw log-mel (frames, n_mels) (None for
    Direct), and its phrases."""

    wave: np.ndarray
    sample_rate: int
    mel: np.ndarray | None
    mel_config: MelConfig
    phrases: list[Phrase] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return len(self.wave) / self.sample_rate

    @property
    def success(self) -> bool:
        """Every phrase's alignment is usable (`alignment_success`)."""
        return all(p.success for p in self.phrases)

    def alignment(self) -> np.ndarray:
        """All phrases' attention as one block-diagonal (steps, symbols) matrix."""
        steps = sum(p.alignment.shape[0] for p in self.phrases)
        symbols = sum(p.alignment.shape[1] for p in self.phrases)
        out = np.zeros((max(steps, 1), max(symbols, 1)), dtype=np.float32)
        t = s = 0
        for p in self.phrases:
            out[t: t + p.alignment.shape[0], s: s + p.alignment.shape[1]] = p.alignment
            t, s = t + p.alignment.shape[0], s + p.alignment.shape[1]
        return out


def split_long(piece: str, max_chars: int) -> list[str]:
    """Cut `piece` at word boundaries into the fewest near-equal parts of about `max_chars`
    characters or fewer (a single word longer than that stays whole)."""
    words = piece.split()
    parts = max(1, min(len(words), math.ceil(len(piece) / max_chars)))
    if parts == 1:
        return [piece]
    starts = np.cumsum([0] + [len(w) + 1 for w in words[:-1]])  # character offset of every word
    cuts, last = [], 0
    for k in range(1, parts):
        # the word start nearest to k/parts of the way, leaving a word for every later part
        lo, hi = last + 1, len(words) - (parts - k)
        last = lo + int(np.argmin(np.abs(starts[lo: hi + 1] - k * len(piece) / parts)))
        cuts.append(last)
    bounds = [0, *cuts, len(words)]
    return [" ".join(words[a:b]) for a, b in zip(bounds, bounds[1:])]


def text_pieces(text: str, phrases: bool, max_chars: int = 0) -> list[tuple[str, float]]:
    """(piece, pause after it in seconds) for every sentence, or phrase when `phrases`;
    pieces over `max_chars` characters are cut with `split_long` (0: never)."""
    if not text or not text.strip():
        raise RegenError("empty text: give at least one word to synthesise")
    out: list[tuple[str, float]] = []
    for sentence in split_sentences(" ".join(text.split())):
        parts = split_phrases(sentence) if phrases else [sentence]
        for n, part in enumerate(parts):
            cut = split_long(part, max_chars) if max_chars else [part]
            out += [(c, WORD_PAUSE) for c in cut[:-1]]
            out.append((cut[-1], SENTENCE_PAUSE if n == len(parts) - 1 else PHRASE_PAUSE))
    return out


class Speaker:
    """Text -> Speech with one converter checkpoint and one renderer; see the module docstring."""

    default_input_mode = "mixed"

    def __init__(self, converter: TTSModel, cfg: RunConfig, renderer: Stage | None = None,
                 front_end: TextFrontEnd | None = None, max_seconds_per_symbol: float = 0.25) -> None:
        self.cfg, self.mel = cfg, mel_config_of(cfg)
        self.front_end = front_end or TextFrontEnd()
        self.max_seconds_per_symbol = max_seconds_per_symbol
        self.direct = isinstance(converter, DirectTTS)
        if isinstance(converter, RMelNet):
            converter.cfg.output = "full"
        if self.direct:
            self.converter, self.regenerator = converter, None
        else:
            renderer = renderer or InversionRenderer(self.mel)
            self.regenerator = Regenerator(LogMel(self.mel), converter, renderer)
            self.converter = self.regenerator.converter

    @classmethod
    def from_checkpoints(cls, model: str | Path, vocoder: str = "gl", vocoder_path: str | Path | None = None,
                         iterations: int = 64) -> "Speaker":
        """Load a converter checkpoint and build the renderer named by `vocoder` (gl | lbfgs | neural |
        istft); a trained renderer comes from `vocoder_path`, by default the shipped one. A text -> codes
        checkpoint speaks through its own codec, the duration model's Direct row by itself (`vocoder` does
        not apply to either)."""
        if vocoder not in VOCODERS:
            raise RegenError(f"unknown vocoder '{vocoder}'; choose one of {', '.join(VOCODERS)}")
        converter, cfg, _ = load_model(model)
        if cfg.task not in ("speech-repmix", "speech-rmelnet", "speech-direct", "speech-duration", "speech-codes-tts",
                            "speech-duration-direct"):
            raise RegenError(f"{model} holds a '{cfg.task}' model, not a text -> speech converter")
        if cfg.task == "speech-codes-tts":  # rendered by its own codec: no vocoder to choose
            from regen.speech.codec.speak import CodesSpeaker

            return CodesSpeaker(converter, cfg)
        if cfg.task == "speech-duration-direct":  # the waveform comes out of the model itself
            from regen.speech.tts.duration.direct import DirectDurationSpeaker

            return DirectDurationSpeaker(converter, cfg)
        if cfg.task == "speech-duration":
            from regen.speech.tts.duration.speak import DurationSpeaker

            cls = DurationSpeaker
        renderer = build_renderer(vocoder, mel_config_of(cfg), vocoder_path, iterations)
        return cls(converter, cfg, renderer)

    @property
    def phrases(self) -> bool:
        return bool(self.cfg.data.phrases)

    @property
    def voices(self) -> list[str]:
        """The voice names this model speaks (empty: one unnamed voice)."""
        return []

    def max_steps(self, symbols: int) -> int:
        """Decoder steps allowed for a piece of `symbols` symbols."""
        if isinstance(self.converter, RMelNet):
            per_step = self.mel.hop_length * self.mel.tier_time_factor
        else:
            per_step = self.mel.hop_length * self.cfg.model.reduction
        seconds = 0.5 + self.max_seconds_per_symbol * symbols
        return max(2, math.ceil(seconds * self.mel.sample_rate / per_step))

    def encode(self, piece: str, mode: str, rng: np.random.Generator) -> MixedSequence | None:
        """The piece's mixed symbols, or None when it holds no word."""
        if mode not in INPUT_MODES:
            raise RegenError(f"unknown input mode '{mode}'; choose one of {', '.join(INPUT_MODES)}")
        tokens = self.front_end.tokens(piece)
        if not any(t.is_word for t in tokens):
            return None
        return self.front_end.encode(piece, mode=mode, rng=rng)

    def _converter_controls(self, symbols: int) -> dict[str, float | int]:
        tail = 1 if isinstance(self.converter, RMelNet) else 2
        return {"max_frames": self.max_steps(symbols), "tail_frames": tail}

    @torch.no_grad()
    def say(self, text: str, input_mode: str | None = None, seed: int = 0, progress: bool = False,
            **converter_controls: float | int | tuple[float, float]) -> Speech:
        """Synthesise `text` (input mode: `default_input_mode` unless given); one-line RegenError for empty
        or unspeakable text."""
        input_mode = input_mode or self.default_input_mode
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        pieces = text_pieces(text, self.phrases, round(self.cfg.data.max_seconds * CHARS_PER_SECOND))
        encoded = [(p, self.encode(p, input_mode, rng), pause) for p, pause in pieces]
        encoded = [e for e in encoded if e[1] is not None]
        if not encoded:
            raise RegenError(f"nothing speakable in {text[:40]!r}: it holds no word (letters) to say")
        from regen.core.progress import progress as progress_bar

        rate = self.mel.sample_rate
        fps, scale = self._frames_per_step(), self._output_per_length_unit()
        chunks: list[torch.Tensor] = []
        phrases: list[Phrase] = []
        groups = range(0, len(encoded), PHRASES_PER_CALL)
        for first in progress_bar(groups, desc="saying phrases", unit="batch", enabled=progress and len(groups) > 1):
            group = encoded[first: first + PHRASES_PER_CALL]
            limits = [{**self._converter_controls(len(seq)), **converter_controls}["max_frames"] for _, seq, _ in group]
            controls = {**self._converter_controls(1), **converter_controls, "max_frames": max(limits)}
            out = self.converter.sample(pack_text([seq for _, seq, _ in group]), **controls)
            generated = self.converter.last_generated
            for row, ((piece, seq, pause), limit) in enumerate(zip(group, limits)):
                # one call draws the whole group, each row stopping on its own; a row that never stops is cut
                # at its own limit, as if synthesised alone
                steps = min(int(generated.lengths[row]), int(limit) * fps)
                chunks.append(out[row, : steps * scale])
                if self.direct:
                    chunks.append(torch.zeros(int(pause * rate)))
                else:
                    silence = math.log(self.mel.log_floor)
                    chunks.append(torch.full((int(pause * rate / self.mel.hop_length), self.mel.n_mels), silence))
                align_steps = math.ceil(steps / fps)
                align = generated.alignment[row, :align_steps, : len(seq)].cpu().numpy()
                report = inspect_alignment(torch.from_numpy(align), align.shape[0], len(seq))
                phrases.append(Phrase(piece, seq.symbols(), align, report, steps < int(limit) * fps))
        joined = torch.cat(chunks[:-1], 0)
        if self.direct:
            return Speech(joined.numpy(), rate, None, self.mel, phrases)
        wave = self.regenerator.renderer.sample(joined[None])[0]
        return Speech(wave.numpy(), rate, joined.numpy(), self.mel, phrases)

    def _frames_per_step(self) -> int:
        """`Generated.lengths` units per decoder step (RepMix counts frames, R-MelNet tier frames)."""
        return 1 if isinstance(self.converter, RMelNet) else self.cfg.model.reduction

    def _output_per_length_unit(self) -> int:
        """Rows of `sample`'s output per `Generated.lengths` unit."""
        if isinstance(self.converter, RMelNet):
            return self.mel.tier_time_factor
        return self.cfg.model.n_mels if self.direct else 1
