"""TTS training rows: phrase cutting at punctuation-aligned pauses, cuts between words, mixing copies,
padding and trimming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from regen.core.errors import RegenError
from regen.speech.data.load import read_ljspeech
from regen.speech.features.mel import load_mel_config
from regen.speech.text.mixing import TextFrontEnd
from regen.speech.tts.data import (TTSDataConfig, attention_path, build_rows, phrase_segments, split_phrases,
                                   training_segments, trim_batch, word_inputs, word_spans)

from ..conftest import write_ljspeech

TEXT = "In the beginning, God created the heaven: and the earth."


# festival's words of TEXT: punctuation dropped, "heaven" timed as two words as festival does with "'s"
WORDS = [("In", 0.1, 0.2), ("the", 0.2, 0.3), ("beginning", 0.3, 0.5), ("God", 0.6, 0.7), ("created", 0.7, 0.8),
         ("the", 0.8, 0.85), ("heav", 0.85, 0.87), ("en", 0.87, 0.9), ("and", 1.1, 1.2), ("the", 1.2, 1.3),
         ("earth", 1.3, 1.4)]


def corpus_with_timings(tmp_path: Path, pauses: int, words: list[tuple[str, float, float]] | None = None) -> Path:
    """One 1.5 s utterance of TEXT with `pauses` internal pauses in its phone timings (and `words`)."""
    folder = write_ljspeech(tmp_path / "v", [f"U1|{TEXT}|{TEXT}"], seconds=1.5)
    phones = [{"phone": "pau", "start": 0.0, "end": 0.1}, {"phone": "ih", "start": 0.1, "end": 0.5}]
    if pauses >= 1:
        phones += [{"phone": "pau", "start": 0.5, "end": 0.6}, {"phone": "g", "start": 0.6, "end": 0.9}]
    if pauses >= 2:
        phones += [{"phone": "pau", "start": 0.9, "end": 1.1}, {"phone": "ah", "start": 1.1, "end": 1.4}]
    phones.append({"phone": "pau", "start": 1.4, "end": 1.5})
    (folder / "durations").mkdir()
    timing = {"phones": phones, "words": [{"word": w, "start": a, "end": b} for w, a, b in words or []]}
    (folder / "durations" / "U1.json").write_text(json.dumps(timing))
    return folder


def test_split_phrases_keeps_punctuation() -> None:
    assert split_phrases(TEXT) == ["In the beginning,", "God created the heaven:", "and the earth."]
    assert split_phrases("No break here") == ["No break here"]


def test_phrases_cut_at_the_middle_of_matching_pauses(tmp_path: Path) -> None:
    item = read_ljspeech(corpus_with_timings(tmp_path, pauses=2)).items[0]
    segs = phrase_segments(item)
    assert [s.text for s in segs] == split_phrases(TEXT)
    assert [(s.start, s.end) for s in segs] == [(0.0, 0.55), (0.55, 1.0), (1.0, 1.5)]


def test_mismatched_pauses_keep_the_utterance_whole(tmp_path: Path) -> None:
    item = read_ljspeech(corpus_with_timings(tmp_path, pauses=1)).items[0]
    segs = phrase_segments(item)
    assert len(segs) == 1 and segs[0].text == TEXT and segs[0].seconds == pytest.approx(1.5)


def test_rows_hold_every_spelling_and_trim_to_the_batch(tmp_path: Path) -> None:
    item = read_ljspeech(corpus_with_timings(tmp_path, pauses=2)).items[0]
    cfg = TTSDataConfig(max_seconds=1.0, mixings=2, pure_copies=True)
    segs = training_segments([item], cfg)
    assert len(segs) == 3
    mel = load_mel_config("logmel-ch4")
    rows = build_rows(segs, mel, cfg, seed=0)
    assert rows["cond"].shape[0] == rows["target"].shape[0] == 3 * 4  # 2 mixed + chars + phones per phrase
    assert rows["target"].shape[-1] == 80
    chars_only, phones_only = rows["cond"][2], rows["cond"][3]
    assert int(chars_only[:, 2].sum()) == 0 and int(phones_only[:, 2].sum()) > 0
    assert int(rows["target_lengths"][0]) == mel.frames(int(0.55 * 22050))
    again = build_rows(segs, mel, cfg, seed=0)
    assert torch.equal(again["cond"], rows["cond"])  # the mixing follows the seed
    batch = trim_batch({k: v[:4] for k, v in rows.items()})
    assert batch["target"].shape[1] == int(rows["target_lengths"][:4].max())
    assert batch["cond"].shape[1] == int((rows["cond"][:4].abs().sum(-1) > 0).sum(-1).max())


def test_stacked_rows_store_each_target_once_and_pick_a_spelling_per_row(tmp_path: Path) -> None:
    item = read_ljspeech(corpus_with_timings(tmp_path, pauses=2)).items[0]
    cfg = TTSDataConfig(max_seconds=1.0, mixings=2, pure_copies=True)
    segs = training_segments([item], cfg)
    mel = load_mel_config("logmel-ch4")
    flat, stacked = build_rows(segs, mel, cfg, 0, positions=True), build_rows(segs, mel, cfg, 0, positions=True,
                                                                               stacked=True)
    assert stacked["cond"].shape[:2] == (3, 4) and stacked["target"].shape[0] == 3
    assert torch.equal(stacked["cond"].flatten(0, 1), flat["cond"])  # the same spellings, grouped by phrase
    assert stacked["attn_path"].shape == (3, 4, stacked["target"].shape[1])
    batch = {**stacked, "_group": torch.tensor(5)}
    picked = trim_batch(batch)
    assert picked["cond"].dim() == 3 and picked["attn_path"].shape == picked["target"].shape[:2]
    assert torch.equal(trim_batch(batch)["cond"], picked["cond"])  # every chunk of group 5 reads the same text
    choices = {tuple(trim_batch({**stacked, "_group": torch.tensor(g)})["cond"][:, :, 2].sum(-1).tolist())
               for g in range(20)}
    assert len(choices) > 1  # other groups draw other spellings


def test_waveform_and_tier_targets(tmp_path: Path) -> None:
    item = read_ljspeech(corpus_with_timings(tmp_path, pauses=2)).items[0]
    cfg = TTSDataConfig(max_seconds=1.0, mixings=1, pure_copies=False)
    segs = training_segments([item], cfg)
    wave = build_rows(segs, load_mel_config("logmel-ch4"), cfg, 0, kind="wave", frame=128)
    assert wave["target"].shape[-1] == 128 and int(wave["target_lengths"][0]) == -(-int(0.55 * 22050) // 128)
    tier = build_rows(segs, load_mel_config("logmel-rmelnet"), cfg, 0, kind="tier")
    assert tier["target"].shape[-1] == 32


def test_no_phrase_in_range_is_a_user_error(tmp_path: Path) -> None:
    item = read_ljspeech(corpus_with_timings(tmp_path, pauses=2)).items[0]
    cfg = TTSDataConfig(min_seconds=0.2, max_seconds=0.3)
    with pytest.raises(RegenError, match="raise data.max_seconds"):
        build_rows(training_segments([item], cfg), load_mel_config("logmel-ch4"), cfg, 0)


def test_word_spans_follow_the_text_words(tmp_path: Path) -> None:
    item = read_ljspeech(corpus_with_timings(tmp_path, pauses=1, words=WORDS)).items[0]
    spans = word_spans(item)
    assert spans is not None and len(spans) == len(TEXT.split()) == 10
    assert spans[6] == (0.85, 0.9) and spans[-1] == (1.3, 1.4)  # "heaven:" joins two timed words
    item = read_ljspeech(corpus_with_timings(tmp_path / "b", pauses=1, words=WORDS[:-1])).items[0]
    assert word_spans(item) is None  # a word without timing: no cuts


def test_long_utterances_are_cut_between_words(tmp_path: Path) -> None:
    item = read_ljspeech(corpus_with_timings(tmp_path, pauses=1, words=WORDS)).items[0]
    cfg = TTSDataConfig(max_seconds=1.0, min_seconds=0.3)
    segs = training_segments([item], cfg)  # the pauses do not match the punctuation: no phrases
    assert [s.text for s in segs] == ["In the beginning, God created the heaven:", "and the earth."]
    assert [(s.start, s.end) for s in segs] == [(0.0, 1.0), (1.0, 1.5)]  # the latest cut after punctuation
    assert training_segments([item], TTSDataConfig(max_seconds=1.0, word_cuts=False)) == []
    item = read_ljspeech(corpus_with_timings(tmp_path / "b", pauses=1, words=WORDS[:-1])).items[0]
    assert training_segments([item], cfg) == []  # no word timing to cut at: dropped as before


def test_attention_path_follows_the_word_timings(tmp_path: Path) -> None:
    item = read_ljspeech(corpus_with_timings(tmp_path, pauses=1, words=WORDS)).items[0]
    cfg = TTSDataConfig(max_seconds=1.0, min_seconds=0.3)
    first = training_segments([item], cfg)[0]  # "In the beginning, God created the heaven:", 0-1 s
    spelled = TextFrontEnd().encode(first.text, mode="chars", normalized=True)
    spans = word_inputs(first.text, spelled)
    assert spans is not None and spans[0] == (0, 2) and spans[2] == (7, 16)  # "in", "beginning" (not its comma)
    path = attention_path(first, spelled, frames=100, frame_seconds=0.01)
    # "in" 0.1-0.2 s, "the" 0.2-0.3 s on inputs [3, 6), "beginning" 0.3-0.5 s on inputs [7, 16)
    assert float(path[15]) == pytest.approx(1.0) and float(path[25]) == pytest.approx(4.5)
    assert float(path[40]) == pytest.approx(11.5) and float(path[99]) < len(spelled)
    mel = load_mel_config("logmel-ch4")
    rows = build_rows([first], mel, cfg, 0, positions=True)
    assert rows["attn_path"].shape == rows["target"].shape[:2]
    assert trim_batch(rows)["attn_path"].shape[1] == int(rows["target_lengths"].max())


def test_attention_path_without_timing_is_the_even_diagonal(tmp_path: Path) -> None:
    item = read_ljspeech(corpus_with_timings(tmp_path, pauses=1, words=WORDS[:-1])).items[0]
    seg = training_segments([item], TTSDataConfig(max_seconds=2.0))[0]
    spelled = TextFrontEnd().encode(seg.text, mode="phones", normalized=True)
    path = attention_path(seg, spelled, frames=10, frame_seconds=0.15)
    assert torch.allclose(path, torch.arange(10.0) / 10 * len(spelled))
