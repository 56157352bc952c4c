"""Where `regen speech say` puts its audio: one file, one file per line of a text file in a folder,
or one stream on stdout (`--out -`).

A file's format is its suffix (.wav, .flac or .mp3, `regen.speech.data.audio.AUDIO_FORMATS`, as far
as this libsndfile writes them); a folder's files and the stdout stream take `--format` (default
wav). On stdout, the lines of a text file are joined into one stream, `PAUSE_SECONDS` apart, so that
`regen speech say --text-file f.txt --out - | aplay` plays them all. Files are written atomically.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from regen.core.errors import RegenError
from regen.speech.data.audio import (
    AUDIO_FORMATS,
    audio_bytes,
    check_format,
    join_waves,
    save_audio,
    writable_formats,
)

STDOUT = "-"
PAUSE_SECONDS = 0.5  # silence between the lines of a text file joined into one stream


@dataclass(frozen=True)
class SayOutput:
    """The output of one `say` run: `fmt` (a key of AUDIO_FORMATS) and, per line said, its file
    (`targets`), or None for all when everything goes to stdout as one stream."""

    fmt: str
    targets: list[Path] | None

    @property
    def to_stdout(self) -> bool:
        return self.targets is None

    def save(self, k: int, wave: np.ndarray, sample_rate: int) -> Path:
        """Write line `k`'s wave (samples,) to its file."""
        assert self.targets is not None
        return save_audio(self.targets[k], wave, sample_rate, self.fmt)

    def write_stdout(self, waves: list[np.ndarray], sample_rate: int) -> None:
        """Write every wave (samples,), `PAUSE_SECONDS` apart, to stdout as one file, and nothing else."""
        data = audio_bytes(join_waves(waves, sample_rate, PAUSE_SECONDS), sample_rate, self.fmt)
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


def plan_output(out: Path, fmt: str | None, line_numbers: list[int] | None) -> SayOutput:
    """Check `--out` and `--format` before any work; `line_numbers` are the text file's lines to say
    (None for one text). Creates nothing."""
    suffixes = ", ".join(f".{name}" for name in writable_formats())
    if str(out) == STDOUT:
        return SayOutput(check_format(fmt or "wav"), None)
    if line_numbers is not None:
        if out.suffix.lower().lstrip(".") in AUDIO_FORMATS or (out.exists() and not out.is_dir()):
            raise RegenError(f"with --text-file, --out must be a folder or '-' (stdout), got {out}")
        chosen = check_format(fmt or "wav")
        return SayOutput(chosen, [out / f"{n:04d}.{chosen}" for n in line_numbers])
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in AUDIO_FORMATS:
        raise RegenError(f"--out must end in {suffixes} (or be '-' for stdout), got {out}")
    if fmt is not None and check_format(fmt) != suffix:
        raise RegenError(f"--out {out} is a .{suffix} file but --format is {fmt}; leave --format out for a file")
    return SayOutput(check_format(suffix), [out])
