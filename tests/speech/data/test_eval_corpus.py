"""The evaluation set recorded into the cache when a checkpoint's training corpus is not here."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from regen.core.errors import RegenError
from regen.speech.data import build, eval_corpus
from regen.speech.data.eval_corpus import evaluation_items, held_out_set_dir
from regen.speech.data.load import Item, LoadReport
from regen.speech.data.sentences import held_out_sentences, is_held_out, sentences
from regen.speech.features.mel import load_mel_config
from regen.speech.tts.data import tts_split

VOICE = "espeak:en-us"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    monkeypatch.setenv("REGEN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def held(report: LoadReport) -> list[Item]:
    """The held-out rule of the recogniser task."""
    return tts_split(report)[1]


def test_missing_corpus_builds_held_out_sentences_once_then_reuses_them(cache: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          capsys: pytest.CaptureFixture) -> None:
    mel = load_mel_config("logmel-ch4")
    started = time.perf_counter()
    items, name = evaluation_items(tmp_path / "no-corpus", VOICE, mel, 2, held, progress=False)
    built_in = time.perf_counter() - started
    assert built_in < 30, f"building two sentences took {built_in:.1f} s"
    assert [i.id for i in items] == [s.id for s in held_out_sentences(2)]
    assert all(is_held_out(i.normalized) for i in items)  # never in a training list
    training = {s.id for s in sentences(6000) if not s.held_out}
    assert not training & {i.id for i in items}
    assert name.startswith(f"2 held-out King James sentences read by {VOICE}") and "no-corpus not found" in name
    assert held_out_set_dir(VOICE).is_relative_to(cache) and all(i.wav.is_relative_to(cache) for i in items)
    assert "recording 2 held-out sentences" in capsys.readouterr().err

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached set was built again")

    monkeypatch.setattr(build, "build_corpus", no_build)
    again, _ = evaluation_items(tmp_path / "no-corpus", VOICE, mel, 1, held, progress=False)
    assert [i.id for i in again] == [items[0].id] and capsys.readouterr().err == ""
    monkeypatch.undo()
    monkeypatch.setenv("REGEN_CACHE_DIR", str(cache))
    more, _ = evaluation_items(tmp_path / "no-corpus", VOICE, mel, 3, held, progress=False)  # extends the set
    assert [i.id for i in more] == [s.id for s in held_out_sentences(3)] and more[:2] == items


def test_an_existing_corpus_is_used_as_it_is(espeak_corpus: Path, cache: Path) -> None:
    items, name = evaluation_items(espeak_corpus, VOICE, load_mel_config("logmel-ch4"), 1, held)
    assert len(items) == 1 and items[0].wav.is_relative_to(espeak_corpus) and str(espeak_corpus) in name
    assert not cache.exists()


def test_a_voice_that_is_not_installed_leaves_no_folder(cache: Path, tmp_path: Path) -> None:
    with pytest.raises(RegenError):
        eval_corpus.build_held_out_set("festival:no_such_voice", 1, progress=False)
    assert not held_out_set_dir("festival:no_such_voice").exists()
