"""Regeneration ASR put together: speech X -> phonemes Y' (the CTC acoustic model, learned from paired
audio) -> words Y (P2G, learned from text alone). The Direct route reads characters straight off its
CTC model; given the same P2G, it decodes with that P2G's word language model (lexicon-free, every
completed word scored by it: `decode.word_prefix_beam_search`), so both routes share the language model.

For phone models, the acoustic model's `beam` best phone sequences (prefix beam search) are each
split at word boundaries and turned into words by `P2G.spell`; the transcript with the best
`CTC log-probability + P2G score` wins. Its units are then force-aligned to the posteriors for each
word's start and end (`regen.speech.asr.timing`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from regen.core.errors import RegenError
from regen.core.progress import progress
from regen.speech.asr.acoustic import SUBSAMPLING, CTCRecognizer
from regen.speech.asr.decode import best_path, prefix_beam_search, word_prefix_beam_search
from regen.speech.asr.p2g import P2G
from regen.speech.asr.timing import WordTime, word_times
from regen.speech.asr.units import BOUNDARY, phone_words
from regen.speech.data.audio import SILENCE_DBFS, loudest_dbfs
from regen.speech.features.mel import MelConfig, log_mel

MIN_SECONDS = 0.1
BATCH = 16  # waves per forward pass


@dataclass(frozen=True)
class Heard:
    """One transcript: its words (lower case), for phone models the phone units read, and each word's
    time in the audio transcribed (empty when the units could not be aligned)."""

    text: str
    units: tuple[str, ...]
    words: tuple[WordTime, ...] = field(default=(), compare=False)


class Transcriber:
    """wave -> `Heard`, through a CTC model (phones + P2G, or characters)."""

    def __init__(self, model: CTCRecognizer, mel: MelConfig, p2g: P2G | None = None, beam: int = 8,
                 word_bonus: float = 0.0) -> None:
        if model.cfg.units == "phones" and p2g is None:
            raise ValueError("a phone recogniser needs a P2G to spell words")
        self.model, self.mel, self.p2g, self.beam, self.word_bonus = model.eval(), mel, p2g, beam, word_bonus

    @torch.no_grad()
    def log_probs(self, waves: list[np.ndarray]) -> list[torch.Tensor]:
        """Per wave (at the mel config's rate), its unit log-probabilities (frames / 4, units)."""
        mels = [log_mel(w, self.mel) for w in waves]
        lengths = torch.tensor([len(m) for m in mels])
        batch = torch.nn.utils.rnn.pad_sequence(mels, batch_first=True)
        device = self.model.mel_mean.device
        out, out_lengths = self.model(batch.to(device), lengths.to(device))
        return [o[:n] for o, n in zip(out, out_lengths.tolist())]

    def check(self, wave: np.ndarray) -> None:
        """RegenError for audio too short or silent to transcribe (`regen.speech.data.audio.is_silent`)."""
        if len(wave) < MIN_SECONDS * self.mel.sample_rate:
            raise RegenError(f"the audio lasts {len(wave) / self.mel.sample_rate:.3f} s; give at least {MIN_SECONDS} s")
        level = loudest_dbfs(wave, self.mel.sample_rate)
        if level < SILENCE_DBFS:
            raise RegenError(f"no speech found: the audio is silent (loudest 20 ms at {level:.0f} dBFS, "
                             f"below {SILENCE_DBFS:.0f}); nothing to transcribe")

    def transcribe(self, waves: list[np.ndarray], desc: str | None = None) -> list[Heard]:
        """Transcripts of waves (samples,) float in [-1, 1] at the mel config's sample rate; with
        `desc`, under a progress bar of that label."""
        for wave in waves:
            self.check(wave)
        out = []
        with progress(desc=desc or "transcribing", total=len(waves), unit="utt", enabled=desc is not None) as bar:
            for k in range(0, len(waves), BATCH):
                for lp in self.log_probs(waves[k: k + BATCH]):
                    out.append(self.decode(lp))
                    bar.update(1)
        return out

    def decode(self, lp: torch.Tensor) -> Heard:
        """The transcript of one wave's unit log-probabilities (frames, units), with its word times."""
        units = self.model.units
        frame_seconds = SUBSAMPLING * self.mel.hop_length / self.mel.sample_rate
        if self.model.cfg.units == "chars":
            if self.p2g is not None and self.p2g.lm_weight > 0:
                ids, _ = word_prefix_beam_search(lp, units.symbols, self.p2g.lm, self.p2g.lm_weight, self.word_bonus,
                                                 self.beam)
                ids = list(ids)
            else:
                ids = best_path(lp) if self.beam <= 1 else list(prefix_beam_search(lp, self.beam)[0][0])
            chars = units.decode(ids)
            text = " ".join("".join(chars).split())
            return Heard(text, (), tuple(word_times(lp, ids, chars, text.split(), None, frame_seconds, " ")))
        best: tuple[float, list[str], list[int], tuple[int, ...]] | None = None
        for ids, score in prefix_beam_search(lp, self.beam):
            words, word_score, spans = self.p2g.spell(phone_words(units.decode(ids)))
            if best is None or score + word_score > best[0]:
                best = (score + word_score, words, spans, ids)
        assert best is not None
        _, words, spans, ids = best
        symbols = tuple(units.decode(ids))
        times = word_times(lp, ids, symbols, words, spans, frame_seconds, BOUNDARY)
        return Heard(" ".join(words), symbols, tuple(times))
