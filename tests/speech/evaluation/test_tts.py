import shutil
from pathlib import Path

import numpy as np
import pytest

from regen.core.errors import RegenError
from regen.speech.data.load import load_audio, load_corpus
from regen.speech.evaluation import tts
from regen.speech.evaluation.tts import EvalRow, everyday_items, format_rows, rows_as_dicts, score_waves

from ..conftest import write_ljspeech


def test_score_waves_pools_word_errors_over_the_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    heard = iter(["a x c", "d e f"])  # the recogniser, replaced: what it hears in each wave, in order
    monkeypatch.setattr(tts, "hear", lambda wave, rate: next(heard))
    items = load_corpus(write_ljspeech(tmp_path / "lj", ["A1|a b c|a b c", "A2|d e|d e"])).items
    waves = [load_audio(i) for i in items]
    row = score_waves(items, waves, items[0].sample_rate, "itself", synth_seconds=0.6)
    assert (row.substitutions, row.deletions, row.insertions, row.reference_words) == (1, 0, 1, 5)
    assert row.wer == pytest.approx(2 / 5)  # corpus level, not (1/3 + 1/2) / 2
    assert row.mcd_db < 1e-6 and row.logmel_cd_db < 1e-6 and row.length_ratio == pytest.approx(1.0)
    assert row.rtf == pytest.approx(0.6 / sum(i.seconds for i in items))
    with pytest.raises(ValueError):
        score_waves(items, waves[:1], items[0].sample_rate, "too few")


def test_table_shows_the_counts_and_the_note() -> None:
    nan = float("nan")
    rows = [EvalRow("the recordings themselves", 2, 0.0, 0.0, 1.0, 1.0, nan, 0.2, 1, 0, 0, 5),
            EvalRow("a system", 2, 5.25, 2.5, 0.5, 1.1, 0.03, 0.4, 1, 0, 1, 5)]
    text = format_rows(rows, "title", extra=("peak RSS (MB)", ["-", "120"]))
    assert "| MCD (dB) | log-mel CD (dB) | alignment success |" in text
    assert "| WER | S | D | I | words | peak RSS (MB) |" in text
    assert "| a system | 2 | 5.25 | 2.50 | 0.50 | 1.10 | 0.030 | 0.400 | 1 | 0 | 1 | 5 | 120 |" in text
    assert "silence trimmed" in text and "corpus level" in text and "WORLD/SPTK" in text
    assert EvalRow.from_dict(rows_as_dicts(rows)[1]) == rows[1]
    assert np.isnan(EvalRow.from_dict(rows_as_dicts(rows)[0]).rtf)


def test_rows_written_before_the_log_mel_cd_still_load() -> None:
    old = {k: v for k, v in rows_as_dicts([EvalRow("a", 1, 5.0, 2.0, 1.0, 1.0, 0.1, 0.2, 0, 0, 0, 3)])[0].items()
           if k != "logmel_cd_db"}
    row = EvalRow.from_dict(old)
    assert np.isnan(row.logmel_cd_db) and row.mcd_db == 5.0


def test_mcd_against_recording_compares_at_one_rate(tmp_path: Path) -> None:
    item = load_corpus(write_ljspeech(tmp_path / "lj", ["A1|a b c|a b c"])).items[0]  # 22.05 kHz
    assert tts.mcd_against_recording(item, load_audio(item), item.sample_rate) == 0.0  # both at MCD_RATE
    assert tts.mcd_against_recording(item, load_audio(item, 16000), 16000) < 1.0
    assert tts.mcd_against_recording(item, load_audio(item, 11025), 11025) < 1.0  # below MCD_RATE: the lower rate


def test_everyday_items_names_the_command_that_builds_them(tmp_path: Path, espeak_corpus: Path) -> None:
    with pytest.raises(RegenError, match="--sentences everyday --out .*missing"):
        everyday_items(tmp_path / "missing")
    with pytest.raises(RegenError, match="not the everyday sentences"):
        everyday_items(espeak_corpus)  # a training corpus is no everyday evaluation set


def test_everyday_items_reads_the_built_recordings(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from regen.speech.data.build import build_corpus
    from regen.speech.data.eval_sets import everyday_sentences
    from regen.speech.data.sentences import EVERYDAY_LICENCE, EVERYDAY_SOURCE, everyday

    build_corpus(tmp_path / "eval", ["espeak:en-us"], everyday(2), source=EVERYDAY_SOURCE,
                 licence=EVERYDAY_LICENCE, progress=False)
    items = everyday_items(tmp_path / "eval")
    assert [i.text for i in items] == everyday_sentences()[:2] and items[0].seconds > 1
    assert [i.id for i in everyday_items(tmp_path / "eval" / "espeak-en-us", limit=1)] == ["E00000"]


def test_no_unseen_words_table_when_it_would_repeat_or_be_empty(tmp_path: Path) -> None:
    items = load_corpus(write_ljspeech(tmp_path / "lj", ["A1|a b c|a b c", "A2|d e|d e"])).items
    assert tts.unseen_words_table(None, items, vocabulary=set()) == []  # every sentence: the input-mode table
    assert tts.unseen_words_table(None, items, vocabulary=set("abcde")) == []  # none


def test_mode_and_reranking_tables_reuse_rows_already_scored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    heard: list[str] = []
    monkeypatch.setattr(tts, "hear", lambda wave, rate: heard.append("x") or "a b c")
    items = load_corpus(write_ljspeech(tmp_path / "lj", ["A1|a b c|a b c"])).items
    mixed = EvalRow("repmix-tiny + gl", 1, 2.0, 1.0, 1.0, 1.0, 0.1, 0.5, 1, 0, 0, 3)
    rows = tts.input_mode_table(None, items, modes=("mixed",), scored={"mixed": mixed})  # no speaker: nothing said
    assert [r.setting for r in rows] == ["the recordings themselves", "mixed"] and rows[1].wer == 0.5
    assert mixed.setting == "repmix-tiny + gl"  # relabelled copy, the given row untouched
    tts.input_mode_table(None, items, modes=("mixed",), scored={"mixed": mixed})
    assert len(heard) == 1  # the recordings of the same items are heard once per process
