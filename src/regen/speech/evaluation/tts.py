"""Evaluate a text -> speech system on the corpus's held-out sentences.

For every held-out utterance the `Speaker` says its text and the result is compared
with the recording:

    mcd_db          mel-cepstral distortion (dB, 24 cepstra, frames aligned by DTW) of
                    the ch4 log-mels of synthesis and recording, whatever the model's
                    own mel config (`regen.speech.features.measures.mel_cepstral_distortion`)
    success         fraction of sentences whose every phrase has a usable alignment
                    (`regen.speech.tts.speaker.alignment_success`: stopped by itself,
                    monotonic, reached the last token, no skip, no stall)
    length_ratio    synthesised seconds / recorded seconds (mean; 1 is right)
    rtf             synthesis seconds / audio seconds, text to waveform
    wer             word error rate of an off-the-shelf recogniser (PocketSphinx,
                    `regen.speech.evaluation.recognizer`) on the synthesis; `recording_row` gives
                    its rate on the recordings themselves, the floor to compare with

`unseen` restricts to sentences holding a word that no training transcript holds
(the thesis's question for representation mixing: spelling unseen words as
characters or as phonemes).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from regen.speech.data.audio import resample
from regen.speech.data.load import Item, load_audio
from regen.speech.features.mel import load_mel_config, log_mel
from regen.speech.features.measures import mel_cepstral_distortion, word_error_rate, word_list
from regen.speech.tts.speaker import Speaker, Speech
from regen.speech.evaluation.recognizer import recognizer
from regen.speech.tts.data import tts_split
from regen.speech.vocoder.data import load_items

@dataclass
class EvalRow:
    """Mean scores of one system/setting over `sentences` held-out sentences."""

    setting: str
    sentences: int
    mcd_db: float
    success: float
    length_ratio: float
    rtf: float
    wer: float


def words(text: str) -> set[str]:
    """Lower-case words of a text."""
    return set(word_list(text))


def held_out(corpus_dir: str, limit: int = 0) -> tuple[list[Item], set[str]]:
    """The corpus's held-out items (first `limit`, 0 = all) and the training transcripts' words."""
    report = load_items(corpus_dir, load_mel_config("logmel-ch4"))
    train, held = tts_split(report)
    vocabulary = set().union(*(words(i.normalized) for i in train))
    return held[:limit] if limit else held, vocabulary


def has_unseen_word(item: Item, vocabulary: set[str]) -> bool:
    return bool(words(item.normalized) - vocabulary)


def synthesise(speaker: Speaker, items: Sequence[Item], input_mode: str = "mixed", seed: int = 0,
               **controls: float | int | tuple[float, float]) -> tuple[list[Speech], float]:
    """Say every item's text (seed + k for item k): the speeches and the seconds it took."""
    speeches, seconds = [], 0.0
    for k, item in enumerate(items):
        t0 = time.perf_counter()
        speeches.append(speaker.say(item.normalized, input_mode=input_mode, seed=seed + k, **controls))
        seconds += time.perf_counter() - t0
    return speeches, seconds


def heard_wer(item: Item, wave: np.ndarray, sample_rate: int) -> float:
    """The recogniser's word error rate on `wave` (samples,) against the item's text."""
    return word_error_rate(item.normalized, recognizer().transcribe(wave, sample_rate))


def against_recording(item: Item, wave: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(MCD in dB against the item's recording on ch4 log-mels, `heard_wer`) of `wave` (samples,)."""
    mel = load_mel_config("logmel-ch4")
    reference = log_mel(load_audio(item, mel.sample_rate), mel).numpy()
    estimate = log_mel(resample(wave, sample_rate, mel.sample_rate), mel).numpy()
    return mel_cepstral_distortion(reference, estimate), heard_wer(item, wave, sample_rate)


def score(items: Sequence[Item], speeches: Sequence[Speech], synth_seconds: float, setting: str) -> EvalRow:
    """Average the measures of the module docstring over items and their speeches."""
    mcd, ratio, wer = [], [], []
    for item, speech in zip(items, speeches, strict=True):
        distortion, errors = against_recording(item, speech.wave, speech.sample_rate)
        mcd.append(distortion)
        wer.append(errors)
        ratio.append(speech.seconds / max(item.seconds, 1e-6))
    audio_seconds = sum(s.seconds for s in speeches)
    return EvalRow(setting, len(items), _mean(mcd), sum(s.success for s in speeches) / max(len(items), 1),
                   _mean(ratio), synth_seconds / max(audio_seconds, 1e-9), _mean(wer))


def score_items(speaker: Speaker, items: Sequence[Item], setting: str, input_mode: str = "mixed", seed: int = 0,
                **controls: float | int | tuple[float, float]) -> EvalRow:
    """`synthesise`, then `score`."""
    return score(items, *synthesise(speaker, items, input_mode, seed, **controls), setting)


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def recording_row(items: Sequence[Item]) -> EvalRow:
    """The recordings scored as if synthesised: MCD 0, length ratio 1, and the recogniser's WER on them."""
    wer = [heard_wer(item, load_audio(item), item.sample_rate) for item in items]
    return EvalRow("the recordings themselves", len(items), 0.0, 1.0, 1.0, float("nan"), _mean(wer))


def input_mode_table(speaker: Speaker, items: Sequence[Item], vocabulary: set[str],
                     modes: Sequence[str] = ("chars", "phones", "mixed")) -> list[EvalRow]:
    """The thesis's question: the same model fed chars, phones or mixed input, on all
    held-out sentences and on those with a word unseen in training."""
    unseen = [i for i in items if has_unseen_word(i, vocabulary)]
    rows = [score_items(speaker, items, f"{mode}", mode) for mode in modes]
    if unseen:
        rows += [score_items(speaker, unseen, f"{mode}, unseen words", mode) for mode in modes]
    return rows


def reranking_table(speaker: Speaker, items: Sequence[Item]) -> list[EvalRow]:
    """R-MelNet: plain single-sample inference against noisy multi-sample generation with
    attention reranking (the model's configured candidates x copies over its noise range)."""
    cfg = speaker.converter.cfg
    plain = score_items(speaker, items, "single sample, no noise, no reranking", candidates=1, copies=1,
                        noise=(0.0, 0.0))
    noisy = score_items(speaker, items, f"{cfg.candidates} candidates x {cfg.copies} noisy copies, reranked")
    return [plain, noisy]


def format_rows(rows: Sequence[EvalRow], title: str) -> str:
    """A markdown table of rows."""
    lines = [f"{title}", "", "| setting | sentences | MCD (dB) | alignment success | length ratio | RTF | WER |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r.setting} | {r.sentences} | {r.mcd_db:.2f} | {r.success:.2f} | {r.length_ratio:.2f} | "
              f"{_fixed(r.rtf, 3)} | {r.wer:.2f} |" for r in rows]
    return "\n".join(lines)


def _fixed(value: float, digits: int) -> str:
    return "-" if np.isnan(value) else f"{value:.{digits}f}"


def rows_as_dicts(rows: Sequence[EvalRow]) -> list[dict]:
    """Rows as JSON-ready dicts (a missing figure, NaN, becomes None)."""
    return [{k: None if isinstance(v, float) and np.isnan(v) else v for k, v in asdict(r).items()} for r in rows]
