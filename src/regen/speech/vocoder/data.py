"""Vocoder training data: an LJSpeech-layout corpus -> aligned (log-mel, audio) segments.

Only audio is used (no transcripts): each utterance gives `chunks_per_utterance`
random chunks of `chunk_frames` normalised log-mel frames and the
`chunk_frames * hop` samples they describe, frame f being centred on sample
f * hop of the chunk (the centred STFT of `regen.speech.features.mel`). Chunk positions come
from a NumPy generator seeded by the run seed, so the tensors are identical for a seed.

Shapes: cond (chunks, chunk_frames, n_mels) float32; target (chunks, chunk_frames * hop).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from regen.core.errors import RegenError
from regen.speech.data.load import Item, LoadReport, load_audio, load_corpus
from regen.speech.features.mel import MelConfig, MelStats, compute_stats, log_mel

STATS_FILE = "mel_stats.json"


def split_items(report: LoadReport, valid: int) -> tuple[list[Item], list[Item]]:
    """(train, held-out): the corpus's test_ids when it has them (first `valid` of them),
    else the last `valid` utterances by id."""
    items = sorted(report.items, key=lambda i: (i.speaker, i.id))
    if report.test_ids:
        held = [i for i in items if i.id in report.test_ids]
        return [i for i in items if i.id not in report.test_ids], held[:valid]
    if valid >= len(items):
        raise RegenError(f"the corpus has {len(items)} utterance(s); need more than the {valid} held out")
    return items[:len(items) - valid], items[len(items) - valid:] if valid else []


def load_items(corpus_dir: str | Path, mel: MelConfig) -> LoadReport:
    """The corpus's valid utterances (resampled to the mel rate); bad files are skipped, not fatal."""
    report = load_corpus(corpus_dir, sample_rate=mel.sample_rate, resample=True, strict=False)
    if not report.items:
        report.raise_if_problems()
        raise RegenError(f"corpus {corpus_dir} holds no utterances")
    return report


def mel_stats(items: Sequence[Item], mel: MelConfig, limit: int, cache: Path | None = None) -> MelStats:
    """Per-bin statistics over the first `limit` items, read from / written to `cache` if given."""
    if cache is not None and cache.is_file():
        stats = MelStats.load(cache)
        if stats.config != mel.name or len(stats.mean) != mel.n_mels:
            raise RegenError(f"{cache} holds statistics of mel config '{stats.config}', not '{mel.name}'; delete it")
        return stats
    stats = compute_stats((load_audio(i, mel.sample_rate) for i in items[:limit]), mel)
    if cache is not None:
        stats.save(cache)
    return stats


def utterance_pair(wave: np.ndarray, mel: MelConfig, stats: MelStats) -> tuple[torch.Tensor, torch.Tensor]:
    """(samples,) -> normalised log-mel (frames, n_mels) and audio zero-padded to frames * hop."""
    cond = stats.normalize(log_mel(wave, mel))
    audio = torch.zeros(cond.shape[0] * mel.hop_length)
    n = min(len(wave), len(audio))
    audio[:n] = torch.from_numpy(np.asarray(wave[:n], dtype=np.float32))
    return cond, audio


def segments(items: Sequence[Item], mel: MelConfig, stats: MelStats, chunk_frames: int,
             chunks_per_utterance: int, seed: int) -> dict[str, torch.Tensor]:
    """Random aligned chunks from every item long enough: {'cond', 'target'} (see module docstring).

    The chunks are copied into tensors allocated once for every chunk there can be, so neither the
    whole utterances nor a second stacked copy stay in memory (a 29k-utterance corpus fits in RAM); chunks
    of utterances too short to give one leave their rows unused at the end."""
    rng = np.random.default_rng(seed)
    hop = mel.hop_length
    most = len(items) * chunks_per_utterance
    conds = torch.empty(most, chunk_frames, mel.n_mels)
    targets = torch.empty(most, chunk_frames * hop)
    n = 0
    for item in items:
        cond, audio = utterance_pair(load_audio(item, mel.sample_rate), mel, stats)
        spare = cond.shape[0] - chunk_frames
        if spare < 0:
            continue
        for start in rng.integers(0, spare + 1, size=chunks_per_utterance).tolist():
            conds[n] = cond[start:start + chunk_frames]
            targets[n] = audio[start * hop:(start + chunk_frames) * hop]
            n += 1
    if not n:
        raise RegenError(f"no utterance is at least {chunk_frames} frames "
                         f"({chunk_frames * hop / mel.sample_rate:.2f} s) long; lower data.chunk_frames")
    return {"cond": conds[:n], "target": targets[:n]}
