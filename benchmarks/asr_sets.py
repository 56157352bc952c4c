"""Evaluation sets and the reference recogniser of `speech_asr.py`: everyday sentences per voice, copies
of recordings changed (low-passed, louder or quieter), a long recording with its true word times, and
PocketSphinx's transcripts cached per recording."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from regen.speech.data.audio import save_wav
from regen.speech.data.load import Item, load_audio
from regen.speech.features.measures import WordErrors
from regen.speech.vocoder.data import load_items


def rewritten(items: list[Item], change: Callable[[np.ndarray, int], np.ndarray], folder: Path,
              label: str | None = None) -> list[Item]:
    """Copies of `items` with their audio (samples,) passed through `change(wave, rate)`, as WAVs in `folder`.
    With a `label` naming the change, each copy is named by a digest of its source file (path, size, time)
    and the label and kept: a rerun finds it unchanged, so PocketSphinx's cache knows it."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for item in items:
        path = folder / item.wav.name
        if label is not None:
            stat = item.wav.stat()
            source = f"{item.wav.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{label}"
            path = folder / f"{hashlib.sha256(source.encode()).hexdigest()[:16]}.wav"
        if label is None or not path.is_file():
            save_wav(path, change(load_audio(item), item.sample_rate), item.sample_rate)
        out.append(dataclasses.replace(item, wav=path))
    return out


def low_passed(items: list[Item], hz: float, folder: Path) -> list[Item]:
    """Copies of `items` through a 10th-order Butterworth low-pass at `hz` (zero phase), as WAVs in `folder`."""
    from scipy.signal import butter, sosfiltfilt

    return rewritten(items, lambda wave, rate: sosfiltfilt(butter(10, hz, btype="low", fs=rate, output="sos"), wave),
                     folder)


def louder(items: list[Item], db: float, folder: Path) -> list[Item]:
    """Copies of `items` `db` decibels louder (negative: quieter), clipped to [-1, 1] as a recording would be;
    kept in `folder` for reruns."""
    return rewritten(items, lambda wave, rate: np.clip(wave * 10 ** (db / 20), -1.0, 1.0), folder, f"{db:+g} dB")


def voice_folders(root: str, split: str, limit: int) -> dict[str, list[Item]]:
    """{voice folder: its `split` items (first `limit`, 0 = all), by id} of an everyday corpus root."""
    from regen.speech.data.eval_sets import sentence_split
    from regen.speech.features.mel import load_mel_config

    items = load_items(root, load_mel_config("logmel-ch4")).items
    out: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: (i.speaker, i.id)):
        if sentence_split(item.id) == split:
            out.setdefault(item.speaker, []).append(item)
    return {voice: chosen[: limit or None] for voice, chosen in out.items()}


def long_recording(root: str, voice: str, seconds: float) -> tuple[np.ndarray, list[tuple[str, float, float]], int]:
    """`voice`'s everyday test sentences joined by 0.8 s pauses until `seconds` of audio: (wave (samples,),
    the true words (word, start, end) in seconds, the rate)."""
    import json

    from regen.speech.features.measures import word_list

    items = voice_folders(root, "test", 0)[voice]
    rate = items[0].sample_rate  # the corpus builder's 22,050 Hz, the recogniser's rate
    gap = np.zeros(int(0.8 * rate), dtype=np.float32)
    parts, truth, at = [], [], 0.0
    for item in items:
        if at >= seconds:
            break
        timing = json.loads(Path(item.durations).read_text())["words"]
        truth += [(w, at + t["start"], at + t["end"]) for t in timing for w in word_list(t["word"])]
        wave = load_audio(item)
        parts += [wave, gap]
        at += (len(wave) + len(gap)) / rate
    return np.concatenate(parts).astype(np.float32), truth, rate


def sentence_errors(per: list[WordErrors]) -> tuple[list[int], list[int]]:
    """Per sentence `WordErrors` -> (errors, reference words) per sentence, for a bootstrap interval."""
    return [e.substitutions + e.deletions + e.insertions for e in per], [e.reference_words for e in per]


def sphinx_heard(items: list[Item]) -> list[str]:
    """PocketSphinx's transcripts of the items, each kept in the cache (speech/sphinx-heard) under its file's
    path, size and modification time, so reruns of a table pay only for the models."""
    import json

    from regen.core.cache import cache_dir
    from regen.core.files import atomic_write_text
    from regen.speech.evaluation.recognizer import recognizer

    store = cache_dir("speech", "sphinx-heard") / "heard.json"
    store.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(store.read_text()) if store.is_file() else {}
    keys = [f"{i.wav.resolve()}|{i.wav.stat().st_size}|{i.wav.stat().st_mtime_ns}" for i in items]
    for key, item in zip(keys, items):
        if key not in known:
            known[key] = recognizer().transcribe(load_audio(item), item.sample_rate)
    atomic_write_text(store, json.dumps(known))
    return [known[k] for k in keys]
