"""Evaluate a text -> speech system on an evaluation set, against the voice's recordings of it.

Two evaluation sets (`EVAL_SETS`), both never trained on and both read by the corpus's
voice through the corpus builder, so that each sentence has a reference recording:

    held-out    the training corpus's held-out King James sentences (`held_out`): the
                training text's book, style and vocabulary (in-domain)
    everyday    modern everyday English (`regen.speech.data.eval_sets`), recorded into its
                own folder (`everyday_items`; `EVERYDAY_BUILD` is the command): out-of-domain

Every row of a table is scored on the same sentences, and each table starts with the
recordings themselves (`recording_row`), the reference to read the other rows against:

    mcd_db          mel-cepstral distortion as published (dB): WORLD/SPTK mel-cepstra c1..c24
                    of both waveforms at 16 kHz (`MCD_RATE`), leading and trailing silence trimmed
                    (`SILENCE_DB` below each utterance's loudest frame), frames aligned by DTW
                    (`regen.speech.features.measures.mel_cepstral_distortion`), mean over sentences
    logmel_cd_db    the earlier log-mel cepstral distance (dB, the same formula on c1..c24 of the
                    ch4 log-mels, silence trimmed, DTW), whatever the model's own mel config
                    (`regen.speech.features.measures.log_mel_cepstral_distance`); lower than MCD
    success         fraction of sentences whose every phrase has a usable alignment
                    (`regen.speech.tts.speaker.alignment_success`: stopped by itself,
                    monotonic, reached the last token, no skip, no stall)
    length_ratio    synthesised seconds / recorded seconds (mean; 1 is right)
    rtf             synthesis seconds / audio seconds, text to waveform
    wer             corpus-level word error rate of an off-the-shelf recogniser (PocketSphinx,
                    `regen.speech.evaluation.recognizer`): substitutions + deletions +
                    insertions summed over all the row's sentences / their reference words
                    (`regen.speech.features.measures.word_errors`), with the three counts

`unseen_words_table` restricts to sentences holding a word that no training transcript
holds (the thesis's question for representation mixing: spelling unseen words as
characters or as phonemes), as a table of its own.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np

from regen.core.errors import RegenError
from regen.speech.data.audio import resample
from regen.speech.data.load import CARD, Item, is_corpus_root, load_audio, read_card
from regen.speech.data.sentences import EVERYDAY_SOURCE
from regen.speech.features.mel import load_mel_config, log_mel
from regen.speech.features.measures import (SILENCE_DB, log_mel_cepstral_distance, mel_cepstral_distortion,
                                           word_errors, word_list)
from regen.speech.tts.speaker import Speaker, Speech
from regen.speech.evaluation.recognizer import recognizer
from regen.speech.tts.data import tts_split
from regen.speech.vocoder.data import load_items

EVAL_SETS = ("held-out", "everyday")
EVERYDAY_BUILD = "regen speech corpus build --voice {voice} --sentences everyday --out {out}"
# MCD's analysis rate: 0-8 kHz, the band the ch4 log-mels keep (fmax 7.8 kHz). At 22.05 kHz the band above
# the mels, empty in a Griffin-Lim rendering, dominates: slt against its own Griffin-Lim copy, 23.0 dB there, 2.8 here.
MCD_RATE = 16000
TABLE_NOTE = (
    "Note: every row is scored on the same sentences; 'the recordings themselves' is the voice reading them "
    "(corpus builder), the reference. WER is corpus level (jiwer; PocketSphinx as listener): S substitutions + "
    "D deletions + I insertions summed over all sentences / N reference words. MCD (dB): WORLD/SPTK mel-cepstral "
    f"distortion against the recording at {MCD_RATE / 1000:.0f} kHz (pyworld + pysptk sp2mc, order 24, c0 "
    f"excluded, 5 ms frames), leading and trailing silence trimmed ({SILENCE_DB:.0f} dB below each utterance's "
    "loudest frame), frames aligned by DTW. Log-mel CD (dB): the earlier measure, the same formula on c1-c24 of "
    "the 80-band ch4 log-mels (silence trimmed, DTW); it runs lower than MCD. Caveat: DTW forgives timing and "
    "length errors, and both reward closeness to one recording of the voice, not intelligibility or naturalness.")


@dataclass
class EvalRow:
    """Scores of one system/setting over `sentences` sentences (see the module docstring)."""

    setting: str
    sentences: int
    mcd_db: float
    logmel_cd_db: float
    success: float
    length_ratio: float
    rtf: float
    wer: float
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int

    @classmethod
    def from_dict(cls, values: dict) -> EvalRow:
        """The row of `asdict` or `rows_as_dicts` (a None figure becomes NaN, as does logmel_cd_db in
        rows written before it existed); other keys are ignored."""
        values = {"logmel_cd_db": None, **values}
        return cls(**{f.name: float("nan") if values[f.name] is None else values[f.name] for f in fields(cls)})


def words(text: str) -> set[str]:
    """Lower-case words of a text."""
    return set(word_list(text))


def held_out(corpus_dir: str, limit: int = 0) -> tuple[list[Item], set[str]]:
    """The corpus's held-out items (first `limit`, 0 = all) and the training transcripts' words."""
    report = load_items(corpus_dir, load_mel_config("logmel-ch4"))
    train, held = tts_split(report)
    vocabulary = set().union(*(words(i.normalized) for i in train))
    return held[:limit] if limit else held, vocabulary


def everyday_items(eval_corpus: str | Path, limit: int = 0, voice: str = "festival:slt") -> list[Item]:
    """The everyday sentences (first `limit`, 0 = all) and their recordings, from a folder built by
    `EVERYDAY_BUILD` (a corpus root with one voice, or one voice folder of it).

    RegenError, naming the command that builds it, when the folder is missing or holds another set.
    """
    path = Path(eval_corpus)
    build = EVERYDAY_BUILD.format(voice=voice, out=path)
    root = path if is_corpus_root(path) else path.parent
    if not (root / CARD).is_file():
        raise RegenError(f"no everyday evaluation recordings in {path}; build them with: {build}")
    card = read_card(root)
    if card.get("source") != EVERYDAY_SOURCE:
        raise RegenError(f"{root} holds '{card.get('source')}', not the everyday sentences; build them with: {build}")
    if not card.get("complete"):
        raise RegenError(f"the everyday recordings in {root} are unfinished; resume with: {build}")
    items = sorted(load_items(path, load_mel_config("logmel-ch4")).items, key=lambda i: i.id)
    voices = sorted({i.speaker for i in items})
    if len(voices) > 1:
        raise RegenError(f"{path} holds the voices {', '.join(voices)}; give one voice folder, e.g. {path / voices[0]}")
    return items[:limit] if limit else items


def eval_items(eval_set: str, corpus: str, eval_corpus: str | Path | None = None,
               limit: int = 0) -> tuple[list[Item], set[str]]:
    """The items of evaluation set `eval_set` (first `limit`, 0 = all) and the training transcripts'
    words of `corpus`; 'everyday' reads `eval_corpus`, which must be recorded in the corpus's voice."""
    if eval_set not in EVAL_SETS:
        raise RegenError(f"unknown evaluation set '{eval_set}'; choose one of {', '.join(EVAL_SETS)}")
    held, vocabulary = held_out(corpus)
    if eval_set == "held-out":
        return held[:limit] if limit else held, vocabulary
    if eval_corpus is None:
        raise RegenError("the everyday evaluation set needs the folder of its recordings (--eval-corpus DIR)")
    voice, trained = _voice_spec(corpus), {i.speaker for i in held}
    items = everyday_items(eval_corpus, limit, voice)
    if items and trained and items[0].speaker not in trained:
        raise RegenError(f"{eval_corpus} is read by {items[0].speaker} but {corpus} by {', '.join(sorted(trained))}; "
                         f"build the everyday recordings with: {EVERYDAY_BUILD.format(voice=voice, out=eval_corpus)}")
    return items, vocabulary


def _voice_spec(corpus: str | Path) -> str:
    """The first voice of a builder corpus (e.g. 'festival:slt'), or festival:slt when unknown."""
    root = Path(corpus) if is_corpus_root(corpus) else Path(corpus).parent
    try:
        return read_card(root)["voices"][0]["spec"]
    except (RegenError, KeyError, IndexError):
        return "festival:slt"


def has_unseen_word(item: Item, vocabulary: set[str]) -> bool:
    return bool(words(item.normalized) - vocabulary)


def synthesise(speaker: Speaker, items: Sequence[Item], input_mode: str | None = None, seed: int = 0,
               **controls: float | int | tuple[float, float]) -> tuple[list[Speech], float]:
    """Say every item's text (seed + k for item k; input mode: the speaker's default unless given): the speeches
    and the seconds it took."""
    speeches, seconds = [], 0.0
    for k, item in enumerate(items):
        t0 = time.perf_counter()
        speeches.append(speaker.say(item.normalized, input_mode=input_mode, seed=seed + k, **controls))
        seconds += time.perf_counter() - t0
    return speeches, seconds


def hear(wave: np.ndarray, sample_rate: int) -> str:
    """What the recogniser hears in `wave` (samples,)."""
    return recognizer().transcribe(wave, sample_rate)


def mcd_against_recording(item: Item, wave: np.ndarray, sample_rate: int) -> float:
    """MCD in dB of `wave` (samples,) against the item's recording, both resampled to `MCD_RATE` (or
    the lower of their rates when below it): WORLD/SPTK mel-cepstra, silence trimmed, DTW
    (`mel_cepstral_distortion`)."""
    rate = min(MCD_RATE, item.sample_rate, sample_rate)
    return mel_cepstral_distortion(load_audio(item, rate), resample(wave, sample_rate, rate), rate)


def logmel_cd_against_recording(item: Item, wave: np.ndarray, sample_rate: int) -> float:
    """Log-mel cepstral distance in dB of `wave` (samples,) against the item's recording: ch4 log-mels,
    silence trimmed, DTW (`log_mel_cepstral_distance`)."""
    mel = load_mel_config("logmel-ch4")
    reference = log_mel(load_audio(item, mel.sample_rate), mel).numpy()
    estimate = log_mel(resample(wave, sample_rate, mel.sample_rate), mel).numpy()
    return log_mel_cepstral_distance(reference, estimate, trim_db=SILENCE_DB)


def score_waves(items: Sequence[Item], waves: Sequence[np.ndarray], sample_rate: int, setting: str,
                synth_seconds: float = float("nan"), success: float = float("nan")) -> EvalRow:
    """Score waveforms (samples,) at `sample_rate`, one per item, against the items' recordings:
    mean MCD, log-mel CD and length ratio, corpus-level WER, RTF = synth_seconds / audio seconds."""
    if len(items) != len(waves):
        raise ValueError(f"{len(items)} items but {len(waves)} waveforms")
    mcd = [mcd_against_recording(item, wave, sample_rate) for item, wave in zip(items, waves)]
    logmel_cd = [logmel_cd_against_recording(item, wave, sample_rate) for item, wave in zip(items, waves)]
    seconds = [len(wave) / sample_rate for wave in waves]
    ratio = [s / max(item.seconds, 1e-6) for item, s in zip(items, seconds)]
    errors = word_errors([i.normalized for i in items], [hear(w, sample_rate) for w in waves])
    return EvalRow(setting, len(items), _mean(mcd), _mean(logmel_cd), success, _mean(ratio),
                   synth_seconds / max(sum(seconds), 1e-9), errors.wer, errors.substitutions, errors.deletions, errors.insertions, errors.reference_words)


def score(items: Sequence[Item], speeches: Sequence[Speech], synth_seconds: float, setting: str) -> EvalRow:
    """`score_waves` of a system's speeches, with their alignment success."""
    if len({s.sample_rate for s in speeches}) > 1:
        raise ValueError("speeches at several sample rates")
    rate = speeches[0].sample_rate if speeches else 22050
    success = sum(s.success for s in speeches) / max(len(items), 1)
    return score_waves(items, [s.wave for s in speeches], rate, setting, synth_seconds, success)


def score_items(speaker: Speaker, items: Sequence[Item], setting: str, input_mode: str | None = None, seed: int = 0,
                **controls: float | int | tuple[float, float]) -> EvalRow:
    """`synthesise`, then `score`."""
    return score(items, *synthesise(speaker, items, input_mode, seed, **controls), setting)


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def recording_row(items: Sequence[Item]) -> EvalRow:
    """The recordings scored as if synthesised: MCD and log-mel CD 0, length ratio 1, and the recogniser's
    corpus-level WER on them (the floor for the other rows). Heard once per process for the same items."""
    return replace(_recording_row(tuple(items)))


@functools.lru_cache(maxsize=8)
def _recording_row(items: tuple[Item, ...]) -> EvalRow:
    errors = word_errors([i.normalized for i in items], [hear(load_audio(i), i.sample_rate) for i in items])
    return EvalRow("the recordings themselves", len(items), 0.0, 0.0, 1.0, 1.0, float("nan"), errors.wer,
                   errors.substitutions, errors.deletions, errors.insertions, errors.reference_words)


def input_mode_table(speaker: Speaker, items: Sequence[Item], modes: Sequence[str] = ("chars", "phones", "mixed"),
                     scored: Mapping[str, EvalRow] | None = None) -> list[EvalRow]:
    """The thesis's question: the same model fed chars, phones or mixed input; the recordings first.
    `scored` holds rows already measured for some modes (this speaker, these items, `synthesise`'s
    default seeds: the same speech), which are relabelled instead of synthesised again."""
    scored = scored or {}
    return [recording_row(items), *(replace(scored[mode], setting=mode) if mode in scored
                                     else score_items(speaker, items, mode, mode) for mode in modes)]


def unseen_words_table(speaker: Speaker, items: Sequence[Item], vocabulary: set[str],
                       modes: Sequence[str] = ("chars", "phones", "mixed")) -> list[EvalRow]:
    """`input_mode_table` on the items holding a word absent from `vocabulary`; [] when none or every
    one does (the latter is `input_mode_table` itself, as on everyday sentences against a KJV vocabulary)."""
    unseen = [i for i in items if has_unseen_word(i, vocabulary)]
    if not unseen or len(unseen) == len(items):
        return []
    return [recording_row(unseen), *(score_items(speaker, unseen, f"{m}, unseen words", m) for m in modes)]


def reranking_table(speaker: Speaker, items: Sequence[Item], reranked: EvalRow | None = None) -> list[EvalRow]:
    """R-MelNet: plain single-sample inference against noisy multi-sample generation with
    attention reranking (the model's configured candidates x copies over its noise range);
    the recordings first. `reranked`: the latter already measured (this speaker with its defaults,
    these items, `synthesise`'s default seeds), relabelled instead of synthesised again."""
    cfg = speaker.converter.cfg
    plain = score_items(speaker, items, "single sample, no noise, no reranking", candidates=1, copies=1,
                        noise=(0.0, 0.0))
    label = f"{cfg.candidates} candidates x {cfg.copies} noisy copies, reranked"
    noisy = replace(reranked, setting=label) if reranked is not None else score_items(speaker, items, label)
    return [recording_row(items), plain, noisy]


def format_rows(rows: Sequence[EvalRow], title: str, note: str = TABLE_NOTE,
                extra: tuple[str, Sequence[str]] | None = None) -> str:
    """A markdown table of rows under `title`, then `note`; `extra` = (header, one cell per row)
    adds a last column. 'words' is N, the reference words the WER is over."""
    head = ("| setting | sentences | MCD (dB) | log-mel CD (dB) | alignment success | length ratio | RTF | WER | S | D "
            "| I | words |")
    if extra is not None and len(extra[1]) != len(rows):
        raise ValueError(f"{len(rows)} rows but {len(extra[1])} '{extra[0]}' cells")
    lines = [title, "", head + (f" {extra[0]} |" if extra else ""), "|---" * (12 + bool(extra)) + "|"]
    for k, r in enumerate(rows):
        line = (f"| {r.setting} | {r.sentences} | {_fixed(r.mcd_db, 2)} | {_fixed(r.logmel_cd_db, 2)} | "
                f"{_fixed(r.success, 2)} | {_fixed(r.length_ratio, 2)} | {_fixed(r.rtf, 3)} | {_fixed(r.wer, 3)} | "
                f"{r.substitutions} | {r.deletions} | {r.insertions} | {r.reference_words} |")
        lines.append(line + (f" {extra[1][k]} |" if extra else ""))
    return "\n".join(lines + (["", note] if note else []))


def _fixed(value: float, digits: int) -> str:
    return "-" if np.isnan(value) else f"{value:.{digits}f}"


def rows_as_dicts(rows: Sequence[EvalRow]) -> list[dict]:
    """Rows as JSON-ready dicts (a missing figure, NaN, becomes None)."""
    return [{k: None if isinstance(v, float) and np.isnan(v) else v for k, v in asdict(r).items()} for r in rows]
