"""The music-melody task end to end on a handful of melodies: train the renderer, then the converter
on its paired share (or Direct), evaluate, sample through `regen sample`, and sing new lyrics through
`regen music melody` into MusicXML with one syllable under every note onset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regen.cli.main import app
from regen.core.run_config import load_run_config
from regen.music.melody.evaluation import METRICS
from regen.music.melody.task import paired_songs, prepare
from regen.train.run import train_run

SIZES = [f"model.{stage}.{k}={v}" for stage in ("converter", "renderer", "direct")
         for k, v in (("d_model", 16), ("layers", 1), ("heads", 2))]
SMALL = ["trainer.progress=false", "trainer.threads=1", "trainer.val_every=1000", "data.collections=[chorales,airds]",
         "data.limit=6", "data.length=16", "data.eval_segments=4", "data.paired_fraction=0.5", *SIZES,
         *(f"phases.{p}.{k}={v}" for p in ("renderer", "converter", "direct")
           for k, v in (("max_steps", 3), ("batch_size", 4), ("warmup", 1)))]
LYRICS = "Amazing grace, how sweet the sound\nthat saved a wretch like me"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory):
    """Six chorales (the first one held out) and six Scottish airs, extracted into a fresh cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REGEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def trained(cache, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {config: train_run(load_run_config(f"music/{config}", SMALL), root / config, out=root / f"{config}-ckpt")
            for config in ("melody-tiny", "melody-direct-tiny")}


def test_paired_share_and_data(cache) -> None:
    assert paired_songs(100, 0.1, 3) == paired_songs(100, 0.1, 3) and len(paired_songs(100, 0.1, 3)) == 10
    assert len(paired_songs(5, 0.01, 0)) == 1
    data = prepare(load_run_config("music/melody-tiny", SMALL).data)
    assert data.songs["heldout_songs"] == 1 and data.songs["paired_songs"] >= 3  # bwv269 is held out
    assert data.songs["paired_songs_used"] == round(0.5 * data.songs["paired_songs"])
    assert data.paired["heldout"] and all(s.syllables and len(s.syllables) == len(s) for s in data.paired["heldout"])
    assert len(data.paired["train"]) < len(data.paired["all_train"])
    assert all(s.syllables is None for s in data.notes["train"]) and len(data.notes["train"]) > len(data.paired["train"])


def test_train_evaluate_and_sample(trained: dict[str, Path], tmp_path: Path) -> None:
    for config, ckpt in trained.items():
        meta = json.loads((ckpt / "meta.json").read_text())
        assert set(meta["phases"]) == ({"direct"} if "direct" in config else {"renderer", "converter"})
        assert set(METRICS) <= set(meta["metrics"])
        assert 0 <= meta["metrics"]["pd"] <= 1 and meta["metrics"]["md"] >= 0
        result = CliRunner().invoke(app, ["sample", str(ckpt), "--n", "2", "--out", str(tmp_path / config)])
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in (tmp_path / config).iterdir()) == sorted(
            f"melody-00{k}{ext}" for k in range(2) for ext in (".mid", ".musicxml", ".png", "-template.png"))


@pytest.mark.parametrize("config", ["melody-tiny", "melody-direct-tiny"])
def test_lyrics_to_musicxml_with_one_syllable_per_onset(trained: dict[str, Path], tmp_path: Path,
                                                       config: str) -> None:
    from music21 import converter

    from regen.music.melody.syllables import lyric_syllables

    lyrics = tmp_path / "lyrics.txt"
    lyrics.write_text(LYRICS + "\n" + LYRICS.upper() + "\n")  # 28 syllables: two chunks of 16 at most
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["music", "melody", "--lyrics-file", str(lyrics), "--out", str(out),
                                      "--model", str(trained[config]), "--key", "G", "--meter", "3/4", "--n", "2"])
    assert result.exit_code == 0, result.output
    expected = [s.text + s.punctuation for s in lyric_syllables(lyrics.read_text())]
    for k in (1, 2):
        score = converter.parse(str(out / f"melody-0{k}.musicxml"))
        onsets = [n for n in score.flatten().notes if n.tie is None or n.tie.type == "start"]
        assert [[lyric.text for lyric in n.lyrics] for n in onsets] == [[s] for s in expected]
        assert score.flatten().getElementsByClass("TimeSignature").first().ratioString == "3/4"
        assert (out / f"melody-0{k}.mid").stat().st_size > 0 and (out / f"melody-0{k}.png").stat().st_size > 0


def test_demo_section_sets_each_lyric(trained: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from regen.music.melody import demo

    monkeypatch.setattr(demo, "SHIPPED", str(trained["melody-tiny"]))
    page = demo.demo_section(tmp_path)
    assert page.startswith("<section") and page.endswith("</section>")
    for k in range(1, len(demo.LYRICS) + 1):
        for name in (f"song-{k}.musicxml", f"song-{k}.mid", f"song-{k}.png", f"song-{k}-template.png"):
            assert (tmp_path / "melody" / name).stat().st_size > 0 and f"melody/{name}" in page


def test_shipped_melody_model_loads_and_is_small() -> None:
    from regen.core.assets import resolve_checkpoint
    from regen.core.task import load_model
    from regen.music.melody.task import SHIPPED

    model, cfg, meta = load_model(SHIPPED, task="music-melody")
    size = sum(p.stat().st_size for p in resolve_checkpoint(SHIPPED).iterdir())
    assert cfg.model.method == "regen" and size < 8 * 2**20 and set(meta["phases"]) == {"renderer", "converter"}
    assert meta["git_commit"] and not meta["git_commit"].endswith("dirty") and 0 < meta["metrics"]["pd"] <= 1
