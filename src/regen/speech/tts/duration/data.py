"""Training rows of the duration-based converter: whole utterances -> (phones, log-mel, frame pitch).

No timing file is read unless `model.durations` is 'oracle': the converter learns its alignment
(MAS), so an LJSpeech folder with only `metadata.csv` and `wavs/` is enough. Every utterance
between `min_seconds` and `max_seconds` (and with at least as many frames as symbols) is one row;
held-out utterances (`regen.speech.tts.data.tts_split`) are never trained on.

Tensors (rows padded to the longest): cond (rows, max_symbols, 3) int64, the front end's 'phones'
spelling with a space at both ends (`phone_sequence`); target (rows, max_frames, n_mels) raw
log-mel, stored as float16 (half the memory of a padded corpus; the loss reads it as float32);
target_lengths (rows,); pitch (rows, max_frames) float32 frame log F0
(`regen.speech.tts.duration.pitch`); speaker (rows,) int64, the row's index in `model.speakers`
(0 with one voice); with oracle durations, durations (rows, max_symbols) int64; for the Direct
row (`audio`), audio (rows, max_frames * hop) float16, the waveform cut to its frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from regen.core.errors import RegenError
from regen.speech.align.timings import durations_from_word_times
from regen.speech.data.load import Item, load_audio
from regen.speech.data.voices import parse_voice
from regen.speech.features.mel import MelConfig, log_mel
from regen.speech.text.mixing import MixedSequence, TextFrontEnd
from regen.speech.text.symbols import CHARS
from regen.speech.tts.data import word_inputs, word_spans
from regen.speech.tts.duration.pitch import frame_log_energy, frame_log_f0
from regen.speech.tts.text_input import pack_text

EDGE = CHARS.id(" ")  # the symbol at both ends of every input: leading and trailing silence


@dataclass
class DurationDataConfig:
    """Which utterances of `corpus` (a corpus root or LJSpeech folder) become rows (see the module
    docstring); `valid_utterances` held-out ones validate, `max_rows` (> 0) caps the training rows, taken
    from every voice in turn (`interleave_voices`)."""

    corpus: str = "data/corpus-slt"
    min_seconds: float = 0.5
    max_seconds: float = 10.0
    valid_utterances: int = 4
    max_rows: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.min_seconds < self.max_seconds:
            raise ValueError(f"need 0 < min_seconds < max_seconds, got {self.min_seconds}, {self.max_seconds}")
        if min(self.valid_utterances, self.max_rows) < 0:
            raise ValueError("valid_utterances and max_rows must be >= 0")


def phone_sequence(text: str, front_end: TextFrontEnd, normalized: bool = False) -> MixedSequence:
    """`text` in the front end's 'phones' mode (stressed ARPAbet, spaces, punctuation) with EDGE at both ends."""
    seq = front_end.encode(text, mode="phones", normalized=normalized)
    edge = lambda values, pad: np.concatenate([[pad], values, [pad]]).astype(np.int64)  # noqa: E731
    return MixedSequence(edge(seq.char_ids, EDGE), edge(seq.phone_ids, 0), edge(seq.mask, 0), edge(seq.word_index, -1))


def voice_index(items: Sequence[Item], speakers: Sequence[str], corpus: str) -> dict[str, int]:
    """Voice folder (an item's `speaker`) -> index in `speakers`, every listed voice present in `items`;
    with no `speakers`, the corpus's one voice -> 0. One-line RegenError otherwise."""
    voices = sorted({i.speaker for i in items})
    if not speakers:
        if len(voices) > 1:
            raise RegenError(f"corpus {corpus} holds {len(voices)} voices ({', '.join(voices)}); list the ones to learn "
                             "in model.speakers by voice name, e.g. model.speakers=[festival:slt,espeak:en-us]")
        return {voice: 0 for voice in voices}
    index = {parse_voice(name).slug: k for k, name in enumerate(speakers)}
    missing = [name for name in speakers if parse_voice(name).slug not in voices]
    if missing:
        raise RegenError(f"model.speakers names {', '.join(missing)}, but corpus {corpus} holds only "
                         f"{', '.join(voices)}; build that voice or remove it")
    return index


def interleave_voices(items: Sequence[Item]) -> list[Item]:
    """The items reordered one voice after another (first of each voice, then second of each, ...), each voice's
    own order kept: any prefix holds every voice in about equal parts."""
    by_voice: dict[str, list[Item]] = {}
    for item in items:
        by_voice.setdefault(item.speaker, []).append(item)
    rounds = max((len(v) for v in by_voice.values()), default=0)
    return [v[k] for k in range(rounds) for v in by_voice.values() if k < len(v)]


def check_timings(items: Sequence[Item], corpus: str) -> None:
    """One-line RegenError unless every item has its timing file (`durations: oracle` needs them)."""
    lacking = [i for i in items if i.durations is None]
    if lacking:
        raise RegenError(f"model.durations: oracle needs the corpus's timing files (<voice>/durations/ID.json), but "
                         f"{len(lacking)} of {len(items)} utterances of {corpus} have none (e.g. {lacking[0].id}); "
                         "use model.durations: mas")


def oracle_durations(item: Item, spelled: MixedSequence, frames: int, mel: MelConfig,
                     front_end: TextFrontEnd) -> np.ndarray | None:
    """Frames per symbol of `spelled` (its `phone_sequence`) from the item's word timings
    (`regen.speech.align.timings`), or None when its timed words do not match its text."""
    spans = word_spans(item)
    inner = word_inputs(item.normalized, front_end.encode(item.normalized, mode="phones", normalized=True))
    if spans is None or inner is None:
        return None
    shifted = [(first + 1, stop + 1) for first, stop in inner]  # past the leading EDGE
    return durations_from_word_times(shifted, spans, len(spelled), frames, mel.hop_length / mel.sample_rate)


def build_rows(items: Sequence[Item], speakers: Sequence[int], mel: MelConfig, oracle: bool = False,
               front_end: TextFrontEnd | None = None, progress: bool = False,
               audio: bool = False) -> tuple[dict[str, torch.Tensor], int]:
    """(padded tensors, see the module docstring; utterances skipped: fewer frames than symbols, or,
    with `oracle`, timed words that do not match the text); with `audio`, the waveforms too."""
    from tqdm.auto import tqdm

    front_end = front_end or TextFrontEnd()
    texts: list[MixedSequence] = []
    targets: list[torch.Tensor] = []
    pitches: list[np.ndarray] = []
    durations: list[np.ndarray] = []
    kept_speakers: list[int] = []
    waves: list[torch.Tensor] = []
    for item, speaker in tqdm(list(zip(items, speakers)), desc="features", unit="utt", disable=not progress,
                              leave=False):
        wave = load_audio(item, mel.sample_rate)
        target = log_mel(wave, mel)
        spelled = phone_sequence(item.normalized, front_end, normalized=True)
        timed = oracle_durations(item, spelled, len(target), mel, front_end) if oracle else None
        if len(target) < len(spelled) or (oracle and timed is None):
            continue
        texts.append(spelled)
        targets.append(target)
        pitches.append(frame_log_f0(wave, mel))
        kept_speakers.append(speaker)
        if audio:
            cut = np.zeros(len(target) * mel.hop_length, dtype=np.float32)
            cut[: min(len(cut), len(wave))] = wave[: len(cut)]
            waves.append(torch.from_numpy(cut).half())
        if timed is not None:
            durations.append(timed)
    if not texts:
        raise RegenError("no utterance could become a training row (too short for its text, or, with oracle "
                         "durations, none whose word timings match); check the corpus")
    lengths = torch.tensor([len(t) for t in targets])
    rows = {"cond": pack_text(texts), "target": torch.nn.utils.rnn.pad_sequence(targets, batch_first=True).half(),
            "target_lengths": lengths,
            "pitch": torch.nn.utils.rnn.pad_sequence([torch.from_numpy(p) for p in pitches], batch_first=True),
            "speaker": torch.tensor(kept_speakers, dtype=torch.long)}
    if oracle:
        rows["durations"] = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(d) for d in durations], batch_first=True)
    if audio:
        rows["audio"] = torch.nn.utils.rnn.pad_sequence(waves, batch_first=True)
    return rows, len(items) - len(texts)


def row_stats(rows: dict[str, torch.Tensor]) -> dict[str, object]:
    """Statistics of the rows' valid frames: per-bin log-mel `mel_mean`, `mel_std` (lists), the mean log
    frames per symbol `duration_mean`, and (mean, std) of frame log F0 `pitch` and log energy `energy`."""
    frames = torch.arange(rows["target"].shape[1])[None] < rows["target_lengths"][:, None]
    mel = rows["target"].float()[frames]  # (valid frames, n_mels)
    symbols = (rows["cond"].abs().sum(-1) > 0).sum(-1)
    pitch, energy = rows["pitch"][frames], frame_log_energy(mel)
    spread = lambda x: (float(x.mean()), float(x.std().clamp_min(1e-3)))  # noqa: E731
    return {"mel_mean": mel.mean(0).tolist(), "mel_std": mel.std(0).clamp_min(1e-4).tolist(),
            "duration_mean": float(torch.log(rows["target_lengths"] / symbols).mean()),
            "pitch": spread(pitch), "energy": spread(energy)}
