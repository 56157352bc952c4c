"""Melody extraction from music21's corpus: lyrics, pickups, the cache and the held-out split."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from regen.music.melody import extraction
from regen.music.melody.melodies import SYLLABIC, Melody
from regen.music.melody.sources import COLLECTIONS, abc_tunes, is_heldout, split_key


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[extraction.CorpusMelodies, list[dict]]:
    """Three training chorales and three training folk tunes, each with the first held-out piece of its
    collection beside them, extracted into a fresh cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REGEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        data = extraction.load_melodies(("chorales", "airds"), limit=3, progress=False)
        paths = [extraction.cache_path(name, 3) for name in ("chorales", "airds")]
        payloads = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    return data, payloads


def test_chorale_sopranos_carry_syllables(small: tuple) -> None:
    data, _ = small
    chorales = [m for m in data.melodies if m.collection == "chorales"]
    assert len(chorales) == 4 and all(m.voice == "Soprano" and m.language == "de" for m in chorales)
    assert [m.piece for m in chorales if m.heldout] == ["bach/bwv318.mxl"]
    for m in chorales:
        assert m.paired and m.syllable_count >= 20
        sung = [n for n in m.notes if n.lyric]
        assert all(n.syllabic in SYLLABIC and n.pitch is not None for n in sung)
        assert m.mode in ("major", "minor") and m.meters[0][0] == 0
        assert all(b.onset >= a.onset + a.duration - 1e-6 for a, b in zip(m.notes, m.notes[1:]))
    first = chorales[0]
    assert first.piece == "bach/bwv269.mxl"
    assert [n.lyric for n in first.notes if n.lyric][:3] == ["Aus", "mei", "nes"]
    assert first.pickup == 1.0 and first.notes[0].bar_offset == 2.0  # one-beat anacrusis in 3/4


def test_folk_tunes_are_unpaired(small: tuple) -> None:
    data, _ = small
    folk = [m for m in data.melodies if m.collection == "airds"]
    assert len(folk) == 4 and not any(m.paired for m in folk)
    assert {m.piece for m in folk} == {f"airdsAirs/book1.abc#{i}" for i in (1, 2, 3, 4)}
    assert len(data.unpaired()) + len(data.unpaired(heldout=True)) == 8
    assert all(m.paired for m in data.paired()) and (len(data.paired()), len(data.paired(True))) == (3, 1)


def test_summary_counts(small: tuple) -> None:
    data, payloads = small
    by_name = {s.collection: s for s in data.summaries}
    chorales, airds = by_name["chorales"], by_name["airds"]
    assert (chorales.pieces, chorales.voices, chorales.paired, chorales.unpaired) == (4, 4, 4, 0)
    assert (airds.pieces, airds.paired, airds.unpaired) == (4, 0, 4)
    assert chorales.languages == ["de"] and airds.languages == [""]
    assert 1 <= chorales.pickups <= 4  # bwv269 opens with a one-beat anacrusis (pinned in the test above)
    assert "chorales: 4 pieces" in data.summary_lines()[0]
    assert [p["summary"]["collection"] for p in payloads] == ["chorales", "airds"]


def test_heldout_split_is_a_fixed_hash_of_the_piece(small: tuple) -> None:
    data, _ = small
    assert all(m.heldout == is_heldout(m.piece) for m in data.melodies)
    ids = [f"collection/piece{i}.xml" for i in range(4000)]
    share = sum(map(is_heldout, ids)) / len(ids)
    assert 0.08 < share < 0.12
    assert [i for i, piece in enumerate(ids[:60]) if is_heldout(piece)] == [1, 45, 54, 58]  # pinned


def test_cache_round_trip_and_second_call(small: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, payloads = small
    cached = [Melody.from_json(m) for p in payloads for m in p["melodies"]]
    assert cached == data.melodies
    monkeypatch.setenv("REGEN_CACHE_DIR", str(tmp_path))
    path = extraction.cache_path("airds", 2)
    melodies, summary = extraction.load_collection("airds", 2, progress=False)
    assert path.exists() and summary.pieces == 3 and summary.heldout_pieces == 1  # 2 training, 1 held out
    extraction._MEMO.clear()

    def no_parsing(*args: object) -> None:
        raise AssertionError("the second call must read the cache, not the corpus")

    monkeypatch.setattr(extraction, "_read_piece", no_parsing)
    again, again_summary = extraction.load_collection("airds", 2, progress=False)
    assert again == melodies and again_summary == summary


def test_abc_books_split_into_tunes_with_the_header() -> None:
    text = "% header\nL:1/8\n\nX:1\nT:a\nM:2/4\nK:G\nGABc|d4|\n\nX:2\nT:b\nM:2/4\nK:D\nDEFG|A4|\n"
    tunes = abc_tunes(text)
    assert len(tunes) == 2 and all(t.startswith("% header\nL:1/8") for t in tunes)
    assert "X:2" in tunes[1] and "X:1" not in tunes[1]
    assert COLLECTIONS["essen"].language_of("essenFolksong/han1.abc#3") == "zh"
    assert COLLECTIONS["trecento"].language_of("trecento/PMFC_12_3-Gloria Gherardello.xml") == "la"


def test_no_chorale_tune_is_in_both_splits() -> None:
    # Bach harmonised many hymn tunes several times; a tune's settings share one split
    splits: dict[str, set[bool]] = defaultdict(set)
    pieces = COLLECTIONS["chorales"].pieces()
    for piece in pieces:
        splits[split_key(piece.id)].add(is_heldout(piece.id))
    assert all(len(s) == 1 for s in splits.values())
    assert max(sum(split_key(p.id) == key for p in pieces) for key in splits) >= 5  # tunes set 5+ times exist
    assert 0.04 < sum(is_heldout(p.id) for p in pieces) / len(pieces) < 0.16
