"""Transcripts with times as subtitle files: SubRip (.srt) and WebVTT (.vtt)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from regen.speech.asr.timing import WordTime


@dataclass(frozen=True)
class Caption:
    """One timed piece of a transcript, and its words' times: seconds from the start of the recording."""

    start: float
    end: float
    text: str
    words: tuple[WordTime, ...] = field(default=(), compare=False)


def _clock(seconds: float, separator: str) -> str:
    ms = int(round(max(0.0, seconds) * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def srt(captions: Sequence[Caption]) -> str:
    """SubRip: numbered blocks 'HH:MM:SS,mmm --> HH:MM:SS,mmm' then the text; captions without text left out."""
    shown = [c for c in captions if c.text.strip()]
    return "".join(f"{k}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{c.text.strip()}\n\n"
                   for k, c in enumerate(shown, start=1))


def vtt(captions: Sequence[Caption]) -> str:
    """WebVTT: the 'WEBVTT' header, then 'HH:MM:SS.mmm --> HH:MM:SS.mmm' blocks."""
    return "WEBVTT\n\n" + "".join(f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{c.text.strip()}\n\n"
                                  for c in captions if c.text.strip())
