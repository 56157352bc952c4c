"""Transcribe users' audio files one at a time (`regen speech transcribe`).

Each file is read and checked on its own, so a missing, empty, corrupt or non-audio file among
several is reported (a one-line `error`) while the others are still transcribed. A silent or
near-silent file (`regen.speech.data.audio.is_silent`: its loudest 20 ms below -55 dBFS) is found
from its samples before any model runs and gets an empty transcript with `silent_dbfs` set. The
transcriber (and, for phone models, its P2G, about ten seconds to build) is made on the first file
that holds speech, so a run over silent or bad files alone never waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from regen.core.errors import RegenError
from regen.core.run_config import RunConfig
from regen.speech.asr.acoustic import CTCRecognizer
from regen.speech.asr.captions import Caption
from regen.speech.asr.segments import MAX_SECONDS, speech_segments
from regen.speech.asr.timing import WordTime
from regen.speech.asr.task import asr_mel, transcriber
from regen.speech.asr.transcriber import MIN_SECONDS, Heard, Transcriber
from regen.speech.data.audio import is_silent, loudest_dbfs, read_recording


@dataclass(frozen=True)
class FileTranscript:
    """One file's outcome: `heard` (None when it could not be transcribed), or `error`, a one-line
    'path: what is wrong; how to fix it'; `silent_dbfs`, the loudest level of a file that holds no
    speech (its transcript is empty); `resampled_from`, the file's own rate when it was resampled;
    `captions`, the timed pieces of a transcript made piece by piece."""

    path: Path
    heard: Heard | None = None
    error: str = ""
    silent_dbfs: float | None = None
    resampled_from: int | None = None
    captions: tuple[Caption, ...] = ()


class FileTranscriber:
    """path -> `FileTranscript`, with an ASR checkpoint's model and config."""

    def __init__(self, cfg: RunConfig, model: CTCRecognizer) -> None:
        self.cfg, self.model = cfg, model
        self.rate = asr_mel(cfg.model).sample_rate
        self._system: Transcriber | None = None

    @property
    def system(self) -> Transcriber:
        """The transcriber, made on first use."""
        if self._system is None:
            self._system = transcriber(self.cfg, self.model)
        return self._system

    def __call__(self, path: Path, timed: bool = False) -> FileTranscript:
        """The file's transcript; a recording longer than `segments.MAX_SECONDS`, or any with `timed`, is
        cut at its pauses and transcribed piece by piece, each piece's time in `captions` (the phone
        units of such a transcript are not kept)."""
        try:
            wave, rate = read_recording(path, self.rate)
        except RegenError as exc:
            return FileTranscript(path, error=str(exc))
        resampled = rate if rate != self.rate else None
        if len(wave) < MIN_SECONDS * self.rate:
            return FileTranscript(path, error=f"{path}: the recording lasts {len(wave) / self.rate:.3f} s; give "
                                              f"at least {MIN_SECONDS} s of speech", resampled_from=resampled)
        if is_silent(wave, self.rate):
            return FileTranscript(path, Heard("", ()), silent_dbfs=loudest_dbfs(wave, self.rate),
                                  resampled_from=resampled)
        if timed or len(wave) > MAX_SECONDS * self.rate:
            captions = tuple(timed_transcript(self.system, wave, self.rate))
            return FileTranscript(path, Heard(" ".join(c.text for c in captions if c.text), ()),
                                  resampled_from=resampled, captions=captions)
        return FileTranscript(path, self.system.transcribe([wave])[0], resampled_from=resampled)


def timed_transcript(system: Transcriber, wave: np.ndarray, rate: int) -> list[Caption]:
    """A recording of any length (samples,) at the recogniser's rate as timed pieces: cut at its pauses
    into pieces of at most `segments.MAX_SECONDS` (`speech_segments`), each transcribed on its own. A
    piece runs from its first word's start to its last word's end (`regen.speech.asr.timing`), or
    over the whole stretch of speech when its words could not be timed."""
    pieces = [(a, b) for a, b in speech_segments(wave, rate) if b - a >= MIN_SECONDS * rate]
    heard = system.transcribe([wave[a:b] for a, b in pieces]) if pieces else []
    captions = []
    for (a, b), h in zip(pieces, heard):
        words = tuple(WordTime(w.word, round(a / rate + w.start, 3), round(a / rate + w.end, 3)) for w in h.words)
        start, end = (words[0].start, words[-1].end) if words else (a / rate, b / rate)
        captions.append(Caption(start, end, h.text, words))
    return captions
