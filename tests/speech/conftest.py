"""Shared fixtures: synthetic WAVs and tiny corpora built in temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from regen.speech.data.sentences import Sentence

SENTENCES = [
    Sentence("T00001", "The birch canoe slid on the smooth planks.", "The birch canoe slid on the smooth planks."),
    Sentence("T00002", "Glue the sheet to the dark blue background.", "Glue the sheet to the dark blue background."),
    Sentence("T00003", "It cost $5 on the 3rd of May.", "It cost five dollars on the third of May."),
    Sentence("T00004", "These days a chicken leg is a rare dish.", "These days a chicken leg is a rare dish."),
    Sentence("T00005", "Rice is often served in round bowls.", "Rice is often served in round bowls."),
]


def tone(seconds: float = 1.0, rate: int = 22050, freqs: tuple[float, ...] = (220.0, 660.0, 1500.0)) -> np.ndarray:
    """A harmonic test signal (samples,) with a gentle amplitude envelope."""
    t = np.arange(int(seconds * rate)) / rate
    wave = sum(np.sin(2 * np.pi * f * t * (1 + 0.05 * t)) / (k + 1) for k, f in enumerate(freqs))
    return (0.3 * wave * np.hanning(len(t)) ** 0.2).astype(np.float32)


def write_ljspeech(folder: Path, rows: list[str], rate: int = 22050, seconds: float = 0.5) -> Path:
    """An LJSpeech folder whose WAVs are tones, one per well-formed row id."""
    (folder / "wavs").mkdir(parents=True, exist_ok=True)
    for row in rows:
        uid = row.split("|")[0]
        if uid and "/" not in uid:
            sf.write(folder / "wavs" / f"{uid}.wav", tone(seconds, rate), rate, subtype="PCM_16")
    (folder / "metadata.csv").write_text("".join(f"{r}\n" for r in rows), encoding="utf-8")
    return folder


@pytest.fixture
def lj_folder(tmp_path: Path) -> Path:
    rows = [f"LJ{i:03d}|Sentence number {i}.|Sentence number {i}." for i in range(1, 6)]
    return write_ljspeech(tmp_path / "lj", rows)


@pytest.fixture(scope="session")
def espeak_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5-sentence espeak-ng corpus root (built once per test session)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from regen.speech.data.build import build_corpus
    from regen.speech.features.mel import load_mel_config

    out = tmp_path_factory.mktemp("corpus") / "espeak"
    build_corpus(out, ["espeak:en-us"], SENTENCES, 22050, mel_config=load_mel_config("logmel-ch4"), progress=False)
    return out
