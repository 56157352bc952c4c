"""Paired TTS training data: an LJSpeech-layout corpus -> (mixed text, log-mel) rows.

Utterances are cut into **phrases** where the corpus's phone timings
(`durations/ID.json`, written by the festival voices) hold an internal pause
that lines up with the text's punctuation: when an utterance has exactly one
internal `pau` per `, ; : . ? !` break, each piece of text gets the audio between
the middles of its surrounding pauses. Other utterances stay whole. With
`word_cuts`, a piece still longer than `max_seconds` is cut **between words**
at the word timings (a pause or punctuation preferred, each part at least
`min_seconds`), so long utterances are used instead of dropped. Rows longer than
`max_seconds` that cannot be cut are dropped; held-out utterances (the corpus's
test_ids) are never used.

Each phrase is spelled `mixings` times with independent representation mixing
(each word phones with probability `mix_p`, thesis ch. 4.2; the mixing is seeded
by the run seed), plus once all-characters and once all-phones when
`pure_copies` is on, so every word is seen in both spellings.

Tensors, flat (one row per spelling, for validation): cond (rows, max_symbols, 3)
int64 [char, phone, mask]; target (rows, max_frames, D) float32 raw log-mel (or
first tier, or waveform frames, see `target_kind`); target_lengths (rows,) in the
target's frames; with `positions`, attn_path (rows, max_frames) float32, each
frame's expected input position from the voice's word timings
(`regen.nn.attention_prior.expected_positions`; the even-pace diagonal for a row
whose words have no timing). **Stacked** (for training, so each target is stored
once): one row per phrase, cond (rows, spellings, max_symbols, 3) and attn_path
(rows, spellings, max_frames); `trim_batch` picks one spelling per row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from regen.core.errors import RegenError
from regen.nn.attention_prior import expected_positions
from regen.speech.data.load import Item, LoadReport, load_audio
from regen.speech.features.mel import MelConfig, log_mel
from regen.speech.text.mixing import TOKEN_PATTERN, MixedSequence, TextFrontEnd, collate
from regen.speech.vocoder.data import split_items

PHRASE_BREAK = re.compile(r"(?<=[,;:.?!])\s+")


@dataclass
class TTSDataConfig:
    """How the corpus (`corpus`: a corpus root or LJSpeech folder) becomes training rows
    (see the module docstring)."""

    corpus: str = "data/corpus-slt"
    phrases: bool = True
    word_cuts: bool = True
    max_seconds: float = 3.0
    min_seconds: float = 0.3
    mixings: int = 2
    mix_p: float = 0.5
    pure_copies: bool = True
    stats_utterances: int = 200
    valid_utterances: int = 4
    max_rows: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.min_seconds < self.max_seconds:
            raise ValueError(f"need 0 < min_seconds < max_seconds, got {self.min_seconds}, {self.max_seconds}")
        if self.mixings < 0 or not 0 <= self.mix_p <= 1:
            raise ValueError("mixings must be >= 0 and mix_p in [0, 1]")
        if self.mixings == 0 and not self.pure_copies:
            raise ValueError("mixings = 0 and pure_copies = false leave no rows; enable one")
        if min(self.stats_utterances, self.valid_utterances, self.max_rows) < 0:
            raise ValueError("stats_utterances, valid_utterances and max_rows must be >= 0")


@dataclass(frozen=True)
class Segment:
    """A stretch [start, end) seconds of an utterance's audio and the text spoken in it."""

    item: Item
    text: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


def split_phrases(text: str) -> list[str]:
    """Text pieces between punctuation breaks: 'a, b: c.' -> ['a,', 'b:', 'c.']."""
    return [p for p in PHRASE_BREAK.split(text.strip()) if p]


def timing(item: Item) -> dict:
    """The item's timing file ({'phones': [...], 'words': [...]}), or {} when it has none or it is unreadable."""
    if item.durations is None:
        return {}
    try:
        data = json.loads(item.durations.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def phrase_segments(item: Item) -> list[Segment]:
    """The item cut at punctuation-aligned pauses, or whole (see the module docstring)."""
    whole = [Segment(item, item.normalized, 0.0, item.seconds)]
    phones = timing(item).get("phones")
    if not phones:
        return whole
    pauses = [p for p in phones[1:-1] if p.get("phone") == "pau"]
    pieces = split_phrases(item.normalized)
    if len(pieces) < 2 or len(pauses) != len(pieces) - 1:
        return whole
    cuts = [0.0] + [(float(p["start"]) + float(p["end"])) / 2 for p in pauses] + [item.seconds]
    return [Segment(item, text, a, b) for text, a, b in zip(pieces, cuts, cuts[1:])]


def _word_key(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def word_spans(item: Item) -> list[tuple[float, float]] | None:
    """(start, end) seconds of every whitespace word of `item.normalized`, from the timing file's
    words (a voice's word may be split, as festival's "Herod" + "'s"); None when they do not match."""
    timed = timing(item).get("words") or []
    spans, k = [], 0
    for word in item.normalized.split():
        key, got, start = _word_key(word), "", None
        while k < len(timed) and len(got) < len(key):
            start = timed[k]["start"] if start is None else start
            got += _word_key(str(timed[k]["word"]))
            k += 1
        if got != key or start is None:
            return None
        spans.append((float(start), float(timed[k - 1]["end"])))
    return spans if k == len(timed) else None


def cut_between_words(seg: Segment, spans: list[tuple[float, float]], cfg: TTSDataConfig) -> list[Segment]:
    """`seg` (its words being `spans`) cut between words into parts of at most `max_seconds`.

    Each cut lies in the middle of the gap between two words; among the cuts that leave a part of
    `min_seconds`..`max_seconds`, one after punctuation or at a pause (gap >= 50 ms) is preferred,
    then the latest. A remainder that cannot be cut stays as it is (and is dropped if too long).
    """
    words = seg.text.split()
    cuts = [(a_end + b_start) / 2 for (_, a_end), (b_start, _) in zip(spans, spans[1:])]
    out, first, t0 = [], 0, seg.start
    while seg.end - t0 > cfg.max_seconds:
        options = [(words[k][-1] in ",;:.?!" or spans[k + 1][0] - spans[k][1] >= 0.05, k)
                   for k in range(first, len(words) - 1) if cfg.min_seconds <= cuts[k] - t0 <= cfg.max_seconds]
        if not options:
            break
        k = max(options)[1]
        out.append(Segment(seg.item, " ".join(words[first: k + 1]), t0, cuts[k]))
        first, t0 = k + 1, cuts[k]
    return [*out, Segment(seg.item, " ".join(words[first:]), t0, seg.end)]


def item_segments(item: Item, cfg: TTSDataConfig) -> list[Segment]:
    """The item's phrases (or the whole item), long ones cut between words (see the module docstring)."""
    segs = phrase_segments(item) if cfg.phrases else [Segment(item, item.normalized, 0.0, item.seconds)]
    spans = word_spans(item) if cfg.word_cuts and any(s.seconds > cfg.max_seconds for s in segs) else None
    if spans is None:
        return segs
    out, first = [], 0
    for seg in segs:
        count = len(seg.text.split())
        out += cut_between_words(seg, spans[first: first + count], cfg) if seg.seconds > cfg.max_seconds else [seg]
        first += count
    return out


def segment_word_seconds(seg: Segment) -> list[tuple[float, float]] | None:
    """(start, end) seconds of each whitespace word of `seg.text` from the segment's start, from the
    item's word timings; None when they are missing or do not match the segment's words."""
    spans = word_spans(seg.item)
    if spans is None:
        return None
    inside = [(a - seg.start, b - seg.start) for a, b in spans if seg.start <= (a + b) / 2 < seg.end]
    return inside if len(inside) == len(seg.text.split()) else None


def word_inputs(text: str, spelled: MixedSequence) -> list[tuple[int, int]] | None:
    """Inputs [s, e) of `spelled` (the front end's encoding of `text`) that spell each whitespace word
    of `text`; None when a whitespace word holds no front-end word (e.g. a lone dash)."""
    counts = [sum(p[0].isalpha() or p[0] == "{" for p in TOKEN_PATTERN.findall(w)) for w in text.lower().split()]
    out, first = [], 0
    for count in counts:
        where = np.flatnonzero((spelled.word_index >= first) & (spelled.word_index < first + count))
        if not len(where):
            return None
        out.append((int(where[0]), int(where[-1]) + 1))
        first += count
    return out


def attention_path(seg: Segment, spelled: MixedSequence, frames: int, frame_seconds: float) -> torch.Tensor:
    """Expected input position of each of the segment's target frames (frames,) float32: from the word
    timings where they match, else the even-pace diagonal."""
    return timed_path(seg, segment_word_seconds(seg), spelled, frames, frame_seconds)


def timed_path(seg: Segment, word_seconds: list[tuple[float, float]] | None, spelled: MixedSequence, frames: int,
               frame_seconds: float) -> torch.Tensor:
    """`attention_path` with the segment's word timings (`segment_word_seconds`) already read."""
    inputs = word_inputs(seg.text, spelled)
    if inputs is None or word_seconds is None:
        return torch.arange(frames, dtype=torch.float32) / max(frames, 1) * len(spelled)
    return torch.from_numpy(expected_positions(inputs, word_seconds, len(spelled), seg.seconds, frame_seconds, frames))


def training_segments(items: Sequence[Item], cfg: TTSDataConfig) -> list[Segment]:
    """Phrases (or whole utterances) of `items`, cut between words where too long, within
    [min_seconds, max_seconds]."""
    return [seg for item in items for seg in item_segments(item, cfg)
            if cfg.min_seconds <= seg.seconds <= cfg.max_seconds]


def tts_split(report: LoadReport) -> tuple[list[Item], list[Item]]:
    """(train, held-out) items: the corpus's test_ids read by every voice, or else its last fifth (1 to 8
    utterances).

    Training and evaluation both use this split, so no evaluated sentence was trained on.
    """
    voices = len({i.speaker for i in report.items})
    return split_items(report, len(report.test_ids) * voices or max(1, min(8, len(report.items) // 5)))


def segment_audio(seg: Segment, sample_rate: int) -> np.ndarray:
    """The segment's samples (samples,) float32."""
    wave = load_audio(seg.item, sample_rate)
    return wave[int(round(seg.start * sample_rate)): int(round(seg.end * sample_rate))]


def spellings(text: str, front_end: TextFrontEnd, cfg: TTSDataConfig, rng: np.random.Generator) -> list[MixedSequence]:
    """The `mixings` randomly mixed spellings of text, then all-chars and all-phones if `pure_copies`."""
    out = [front_end.encode(text, mode="mixed", p=cfg.mix_p, rng=rng, normalized=True) for _ in range(cfg.mixings)]
    if cfg.pure_copies:
        out += [front_end.encode(text, mode=m, normalized=True) for m in ("chars", "phones")]
    return out


TargetKind = Literal["mel", "tier", "wave"]


def segment_target(wave: np.ndarray, mel: MelConfig, kind: TargetKind, frame: int) -> torch.Tensor:
    """The target of one segment: raw log-mel (frames, n_mels), its first tier (every
    tier_time_factor-th frame and tier_freq_factor-th bin), or waveform frames
    (ceil(samples / frame), frame) for the Direct baseline."""
    if kind == "wave":
        audio = torch.from_numpy(np.asarray(wave, dtype=np.float32))
        return torch.nn.functional.pad(audio, (0, -len(audio) % frame)).view(-1, frame)
    full = log_mel(wave, mel)
    if kind == "tier":
        return full[:: mel.tier_time_factor, :: mel.tier_freq_factor]
    return full


def build_rows(segments: Sequence[Segment], mel: MelConfig, cfg: TTSDataConfig, seed: int,
               kind: TargetKind = "mel", frame: int = 0, front_end: TextFrontEnd | None = None,
               progress: bool = False, positions: bool = False, stacked: bool = False) -> dict[str, torch.Tensor]:
    """Padded tensors {'cond', 'target', 'target_lengths'}, and 'attn_path' with `positions`; flat or
    `stacked` (see the module docstring)."""
    if not segments:
        raise RegenError(f"no training phrase lies within {cfg.min_seconds}-{cfg.max_seconds} s; "
                         "raise data.max_seconds or build a larger corpus")
    front_end = front_end or TextFrontEnd()
    rng = np.random.default_rng(seed)
    texts: list[list[MixedSequence]] = []
    targets: list[torch.Tensor] = []
    paths: list[list[torch.Tensor]] = []
    frame_seconds = (frame if kind == "wave" else mel.hop_length * (mel.tier_time_factor if kind == "tier" else 1)) \
        / mel.sample_rate
    from tqdm.auto import tqdm

    for seg in tqdm(segments[: cfg.max_rows or None], desc="features", unit="phrase", disable=not progress,
                    leave=False):
        target = segment_target(segment_audio(seg, mel.sample_rate), mel, kind, frame)
        texts.append(spellings(seg.text, front_end, cfg, rng))
        targets.append(target)
        if positions:
            timed = segment_word_seconds(seg)  # one read of the timing file per phrase, not per spelling
            paths.append([timed_path(seg, timed, spelled, len(target), frame_seconds) for spelled in texts[-1]])
    if not stacked:  # one row per spelling (each phrase has the same number of them)
        targets = [t for t in targets for _ in range(len(texts[0]))]
        texts, paths = [[t] for ts in texts for t in ts], [[p] for ps in paths for p in ps]
    spelled = collate([t for ts in texts for t in ts])
    cond = torch.stack([torch.from_numpy(spelled[k]) for k in ("char_ids", "phone_ids", "mask")], dim=-1)
    lengths = torch.tensor([len(t) for t in targets])
    padded = torch.zeros(len(targets), int(lengths.max()), targets[0].shape[-1])
    for row, t in enumerate(targets):
        padded[row, : len(t)] = t
    per_row = len(texts[0])
    rows = {"cond": cond.view(len(targets), per_row, *cond.shape[1:]) if stacked else cond,
            "target": padded, "target_lengths": lengths}
    if positions:
        path = torch.nn.utils.rnn.pad_sequence([p for ps in paths for p in ps], batch_first=True)
        rows["attn_path"] = path.view(len(targets), per_row, -1) if stacked else path
    return rows


def trim_batch(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Cut a batch's padding to its own longest text and target (rows are padded to the corpus's).

    A stacked batch (cond (batch, spellings, symbols, 3)) first gets one spelling per row: drawn from a
    generator seeded by the batch's `_group` (so every truncated-BPTT chunk of a batch reads the
    same text), else from torch's global generator (seeded per training step)."""
    out = dict(batch)
    if batch["cond"].dim() == 4:
        rows, options = batch["cond"].shape[:2]
        generator = torch.Generator().manual_seed(int(batch["_group"])) if "_group" in batch else None
        pick = torch.randint(options, (rows,), generator=generator)
        out["cond"] = batch["cond"][torch.arange(rows), pick]
        if "attn_path" in batch:
            out["attn_path"] = batch["attn_path"][torch.arange(rows), pick]
    symbols = int((out["cond"].abs().sum(-1) > 0).sum(-1).max())
    out["cond"] = out["cond"][:, :max(symbols, 1)]
    if "target_lengths" in batch:
        frames = int(batch["target_lengths"].max())
        out["target"] = batch["target"][:, :frames]
        if "attn_path" in out:
            out["attn_path"] = out["attn_path"][:, :frames]
    return out
