"""Build a synthetic multi-voice speech corpus in the LJSpeech layout.

Layout of a corpus root DIR:

    DIR/corpus.json            card: source, licence, voices, rate, sizes, 'complete'
    DIR/test_ids.txt           the fixed held-out sentence ids present (no model trains on them)
    DIR/<voice>/metadata.csv   id|text|normalized text   (LJSpeech layout, one folder per voice,
    DIR/<voice>/wavs/ID.wav    mono 16-bit PCM at the corpus rate  e.g. DIR/festival-slt/)
    DIR/<voice>/durations/ID.json   phone intervals from the synthesiser, in seconds
    DIR/<voice>/stats-<mel config>.json   per-mel-bin mean/std over the training items (none when
                                          every sentence is held out, as in an evaluation set)

The same sentence has the same id in every voice folder, so a voice folder is
the speaker. Building is resumable: each WAV and timing file is written
atomically before its metadata row is appended, and a re-run first re-validates
the rows (dropping bad ones and their files) and then synthesises what is missing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from regen.core.errors import RegenError
from regen.core.files import atomic_write_text
from regen.core.progress import progress as progress_bar
from regen.speech.data.audio import SILENCE_PEAK, resample, save_wav
from regen.speech.data.load import CARD, METADATA, TEST_IDS, LoadReport, load_audio, read_ljspeech
from regen.speech.features.mel import MelConfig, MelStats, compute_stats
from regen.speech.data.sentences import LICENCE, SOURCE, Sentence
from regen.speech.data.voices import RESERVED_ENGINES, Voice, parse_voice


def build_corpus(out: str | Path, voices: Sequence[str], sentences: Sequence[Sentence], sample_rate: int = 22050,
                 batch_size: int = 16, mel_config: MelConfig | None = None, source: str = SOURCE,
                 licence: str = LICENCE, progress: bool = True) -> dict:
    """Synthesise `sentences` with every voice into `out`; returns the card written."""
    out = Path(out)
    if not voices:
        raise RegenError("give at least one --voice, e.g. --voice espeak:en-us")
    parsed = [parse_voice(v) for v in voices]
    if len({v.slug for v in parsed}) != len(parsed):
        raise RegenError("the same voice is given twice")
    reserved = [v.spec for v in parsed if v.spec.partition(":")[0] in RESERVED_ENGINES]
    if reserved and not all(s.held_out for s in sentences):
        raise RegenError(f"{reserved[0]} is reserved for evaluation on unseen voices: record it only with "
                         "--sentences everyday (every sentence held out), never into a training corpus")
    if (out / METADATA).is_file():
        raise RegenError(f"{out} is a single LJSpeech folder; build into an empty or corpus-root folder")
    out.mkdir(parents=True, exist_ok=True)
    card = _start_card(out, parsed, sample_rate, source, licence, len(sentences))
    test_ids = sorted(s.id for s in sentences if s.held_out)
    atomic_write_text(out / TEST_IDS, "".join(f"{i}\n" for i in test_ids))
    for voice in parsed:
        _build_voice(out / voice.slug, voice, sentences, sample_rate, batch_size, progress)
    for voice in parsed:
        report = read_ljspeech(out / voice.slug, sample_rate)
        report.test_ids = set(test_ids)
        if report.problems:
            report.raise_if_problems()
        if mel_config is not None and report.split()[0]:  # an evaluation-only set has no training items
            voice_stats(report, mel_config, progress=progress)
        entry = next(v for v in card["voices"] if v["folder"] == voice.slug)
        entry.update(utterances=len(report.items), hours=round(sum(i.seconds for i in report.items) / 3600, 4))
    card.update(complete=True, finished=time.strftime("%Y-%m-%d %H:%M:%S"), test_sentences=len(test_ids))
    atomic_write_text(out / CARD, json.dumps(card, indent=1) + "\n")
    return card


def _start_card(out: Path, voices: list[Voice], sample_rate: int, source: str, licence: str, n: int) -> dict:
    card = {"format": "regen-speech-corpus/1", "layout": "one LJSpeech folder per voice", "source": source,
            "licence": licence, "sample_rate": sample_rate, "sentences_requested": n, "complete": False,
            "voices": []}
    if (out / CARD).is_file():
        old = json.loads((out / CARD).read_text())
        if old.get("sample_rate") != sample_rate or old.get("source") != source:
            raise RegenError(f"{out} was built at {old.get('sample_rate')} Hz from '{old.get('source')}'; "
                             "resume with the same options or choose another --out")
        card["voices"] = old.get("voices", [])
    known = {v["folder"] for v in card["voices"]}
    for voice in voices:
        if voice.slug not in known:
            card["voices"].append({"spec": voice.spec, "folder": voice.slug, "phone_set": voice.phone_set})
    atomic_write_text(out / CARD, json.dumps(card, indent=1) + "\n")
    return card


def _resume(folder: Path, sample_rate: int) -> set[str]:
    """Keep only valid rows of an interrupted build; returns the ids already done."""
    if not (folder / METADATA).is_file():
        return set()
    report = read_ljspeech(folder, sample_rate)
    kept = report.items
    if report.problems:
        lines = [f"{i.id}|{i.text}|{i.normalized}\n" for i in kept]
        atomic_write_text(folder / METADATA, "".join(lines))
    return {i.id for i in kept}


def _build_voice(folder: Path, voice: Voice, sentences: Sequence[Sentence], sample_rate: int,
                 batch_size: int, progress: bool) -> None:
    (folder / "wavs").mkdir(parents=True, exist_ok=True)
    (folder / "durations").mkdir(exist_ok=True)
    done = _resume(folder, sample_rate)
    todo = [s for s in sentences if s.id not in done]
    bar = progress_bar(desc=f"recording {voice.spec}", total=len(sentences), initial=len(sentences) - len(todo),
                       unit="utt", enabled=progress)
    with (folder / METADATA).open("a", encoding="utf-8") as rows:
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            for sentence, utt in zip(batch, voice.synthesize([s.normalized for s in batch])):
                audio = resample(utt.audio, utt.sample_rate, sample_rate)
                peak = float(np.abs(audio).max()) if audio.size else 0.0
                if peak < SILENCE_PEAK:
                    raise RegenError(f"{voice.spec} produced silence for {sentence.id}: '{sentence.normalized}'")
                if peak > 0.99:
                    audio = audio * (0.99 / peak)
                save_wav(folder / "wavs" / f"{sentence.id}.wav", audio, sample_rate)
                timing = {"voice": voice.spec, "phone_set": utt.phone_set, "phones": utt.phones, "words": utt.words}
                atomic_write_text(folder / "durations" / f"{sentence.id}.json", json.dumps(timing) + "\n")
                rows.write(f"{sentence.id}|{sentence.text}|{sentence.normalized}\n")
                rows.flush()
                bar.update(1)
    bar.close()


def voice_stats(report: LoadReport, cfg: MelConfig, progress: bool = False) -> MelStats:
    """Mel mean/std over a voice folder's training items, cached as stats-<cfg.name>.json."""
    path = report.root / f"stats-{cfg.name}.json"
    train, _ = report.split()
    if path.is_file():
        stats = MelStats.load(path)
        if stats.utterances == len(train) and stats.config == cfg.name:
            return stats
    waves = (load_audio(item, cfg.sample_rate) for item in progress_bar(train, desc=f"mel stats {cfg.name}",
                                                                         enabled=progress))
    stats = compute_stats(waves, cfg)
    stats.save(path)
    return stats
