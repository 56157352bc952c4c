"""Load any LJSpeech-layout speech corpus, validating every row and file.

An LJSpeech folder holds `metadata.csv` (UTF-8, one `id|text|normalized text`
row per utterance; a 2-column `id|text` row is accepted with the text reused as
its normalised form) and `wavs/ID.wav`. A corpus root written by
`regen speech corpus build` holds `corpus.json`, `test_ids.txt` and one such
folder per voice; loading the root yields every voice's items with `speaker`
set to the folder name.

Problems (bad rows, duplicate ids, missing/truncated/empty WAVs, a wrong sample
rate) are collected with their line numbers instead of stopping half-way;
`strict=True` turns any problem into one RegenError that names the first ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from regen.core.errors import RegenError
from regen.speech.data.audio import check_wav_file, load_wav

METADATA = "metadata.csv"
CARD = "corpus.json"
TEST_IDS = "test_ids.txt"


@dataclass(frozen=True)
class Item:
    """One utterance: ids, texts, its WAV (and phone timings when present)."""

    id: str
    text: str
    normalized: str
    wav: Path
    speaker: str
    line: int
    sample_rate: int
    frames: int
    durations: Path | None = None

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


@dataclass
class Problem:
    """A bad row or file, located by file and line."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


@dataclass
class LoadReport:
    """Valid items, problems found, and the fixed held-out ids (if the corpus has them)."""

    root: Path
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    test_ids: set[str] = field(default_factory=set)

    def split(self) -> tuple[list[Item], list[Item]]:
        """(train, test) by the corpus's held-out list."""
        train = [i for i in self.items if i.id not in self.test_ids]
        return train, [i for i in self.items if i.id in self.test_ids]

    def raise_if_problems(self) -> None:
        if self.problems:
            shown = "; ".join(str(p) for p in self.problems[:3])
            more = f" (and {len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
            raise RegenError(f"{len(self.problems)} problem(s) in corpus {self.root}: {shown}{more}")


def read_ljspeech(folder: str | Path, sample_rate: int | None = None, resample: bool = False,
                  speaker: str | None = None, check_files: bool = True) -> LoadReport:
    """Validate one LJSpeech-layout folder; never raises for bad rows.

    A WAV whose rate differs from `sample_rate` is a problem unless `resample`.
    """
    folder = Path(folder)
    report = LoadReport(folder)
    metadata = folder / METADATA
    if not metadata.is_file():
        raise RegenError(f"{folder} has no {METADATA}; is it an LJSpeech-layout corpus?")
    seen: dict[str, int] = {}
    raw = metadata.read_bytes().split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    for number, data in enumerate(raw, start=1):
        item = _parse_row(folder, number, data, seen, report, speaker or folder.name)
        if item is None:
            continue
        if check_files:
            item = _check_item(item, sample_rate, resample, report, metadata)
        if item is not None:
            report.items.append(item)
    return report


def _parse_row(folder: Path, number: int, data: bytes, seen: dict[str, int], report: LoadReport,
               speaker: str) -> Item | None:
    metadata = folder / METADATA
    try:
        line = data.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        report.problems.append(Problem(metadata, number, "row is not valid UTF-8"))
        return None
    fields = line.split("|")
    if len(fields) not in (2, 3):
        report.problems.append(Problem(metadata, number, f"expected 'id|text|normalized text', got {len(fields)} field(s)"))
        return None
    uid, text = fields[0].strip(), fields[1].strip()
    normalized = fields[2].strip() if len(fields) == 3 else text
    if not uid or any(c in uid for c in "/\\ \t") or uid.startswith("."):
        report.problems.append(Problem(metadata, number, f"invalid id '{uid}'"))
        return None
    if not text or not normalized:
        report.problems.append(Problem(metadata, number, f"empty text for id {uid}"))
        return None
    if uid in seen:
        report.problems.append(Problem(metadata, number, f"duplicate id {uid} (first on line {seen[uid]})"))
        return None
    seen[uid] = number
    durations = folder / "durations" / f"{uid}.json"
    return Item(uid, text, normalized, folder / "wavs" / f"{uid}.wav", speaker, number, 0, 0,
                durations if durations.is_file() else None)


def _check_item(item: Item, sample_rate: int | None, resample: bool, report: LoadReport,
                metadata: Path) -> Item | None:
    problem = check_wav_file(item.wav)
    if problem is None:
        try:
            info = sf.info(str(item.wav))
        except (RuntimeError, sf.LibsndfileError) as exc:
            problem = f"{item.wav} is unreadable: {exc}"
        else:
            if info.frames == 0:
                problem = f"{item.wav} holds no audio samples"
            elif sample_rate is not None and info.samplerate != sample_rate and not resample:
                problem = (f"{item.wav} is at {info.samplerate} Hz, expected {sample_rate} Hz "
                           "(resample it, or load with resampling on)")
            else:
                return Item(item.id, item.text, item.normalized, item.wav, item.speaker, item.line,
                            int(info.samplerate), int(info.frames), item.durations)
    report.problems.append(Problem(metadata, item.line, f"id {item.id}: {problem}"))
    return None


def is_corpus_root(path: str | Path) -> bool:
    """Whether `path` is a multi-voice root written by the corpus builder."""
    return (Path(path) / CARD).is_file() and not (Path(path) / METADATA).is_file()


def read_card(root: str | Path) -> dict:
    """The builder's corpus.json; RegenError when unreadable."""
    path = Path(root) / CARD
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RegenError(f"{path} is unreadable ({exc}); rebuild with regen speech corpus build") from None


def read_test_ids(root: str | Path) -> set[str]:
    """Held-out ids listed in test_ids.txt (empty when there is no list)."""
    path = Path(root) / TEST_IDS
    return {line.strip() for line in path.read_text().splitlines() if line.strip()} if path.is_file() else set()


def load_corpus(path: str | Path, sample_rate: int | None = None, resample: bool = False,
                strict: bool = True) -> LoadReport:
    """Load an LJSpeech folder or a builder root (all voices); see module docstring."""
    path = Path(path)
    if not path.is_dir():
        raise RegenError(f"corpus folder {path} does not exist")
    if is_corpus_root(path):
        card = read_card(path)
        report = LoadReport(path, test_ids=read_test_ids(path))
        for voice in card.get("voices", []):
            folder = path / voice["folder"]
            if not (folder / METADATA).is_file():
                report.problems.append(Problem(folder, None, "voice folder has no metadata.csv (build not started?)"))
                continue
            sub = read_ljspeech(folder, sample_rate, resample, speaker=voice["folder"])
            report.items += sub.items
            report.problems += sub.problems
    else:
        report = read_ljspeech(path, sample_rate, resample)
        report.test_ids = read_test_ids(path) or read_test_ids(path.parent)
    if strict:
        report.raise_if_problems()
    return report


def load_audio(item: Item, sample_rate: int | None = None) -> np.ndarray:
    """The waveform (samples,) float32 of `item`, resampled to `sample_rate` if given."""
    return load_wav(item.wav, sample_rate)[0]
