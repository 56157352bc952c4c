"""The speech-asr task end to end on a tiny espeak corpus: train, evaluate, sample, transcribe, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from regen.cli.main import app
from regen.core.run_config import load_run_config
from regen.core.task import get_task, load_model
from regen.speech.asr.acoustic import CTCRecognizer
from regen.speech.data.audio import save_wav
from regen.train.run import train_run

SMALL = ["phases.acoustic.max_steps=4", "phases.acoustic.batch_size=2", "trainer.val_every=2", "trainer.ckpt_every=2",
         "trainer.progress=false", "trainer.max_minutes=0", "trainer.snapshot_minutes=[]", "model.hidden=16",
         "model.conv_channels=16", "sample.eval_utterances=1", "sample.lm_sentences=200", "sample.beam=2"]


@pytest.fixture(scope="module")
def checkpoints(espeak_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("asr")
    return {name: train_run(load_run_config(f"speech/{name}", SMALL + [f"data.corpus={espeak_corpus}"]),
                            out / name, evaluate=False) for name in ("asr-tiny", "asr-direct-tiny")}


def test_slam_lite_trains_with_the_matching_loss(espeak_corpus: Path, tmp_path: Path) -> None:
    extra = ["model.text_injection=slam", "model.text_embed=16", f"data.corpus={espeak_corpus}"]
    ckpt = train_run(load_run_config("speech/asr-tiny", SMALL + extra), tmp_path / "run", evaluate=False)
    model, _, _ = load_model(ckpt)
    assert model.matching is not None
    assert "train/matching" in (tmp_path / "run" / "acoustic" / "metrics.csv").read_text().splitlines()[0]


def test_text_injection_trains_on_paired_and_text_only_batches(espeak_corpus: Path, tmp_path: Path) -> None:
    extra = ["model.text_injection=maestro", "model.text_embed=16", "data.text_sentences=12",
             f"data.corpus={espeak_corpus}"]
    ckpt = train_run(load_run_config("speech/asr-direct-tiny", SMALL + extra), tmp_path / "run", evaluate=False)
    model, cfg, meta = load_model(ckpt)
    assert model.text_encoder is not None and meta["data"]["text_sentences"] == 12
    phase = json.loads((tmp_path / "run" / "acoustic" / "summary.json").read_text())
    assert phase["steps"] == 4 and phase["examples"] == meta["data"]["train_utterances"] + 12
    logged = (tmp_path / "run" / "acoustic" / "metrics.csv").read_text().splitlines()[0]
    assert "train/text" in logged and "train/consistency" in logged


def test_both_routes_train_evaluate_and_sample(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    for name, ckpt in checkpoints.items():
        model, cfg, _ = load_model(ckpt)
        assert isinstance(model, CTCRecognizer) and cfg.model.units == ("phones" if name == "asr-tiny" else "chars")
        assert '"steps": 4' in (ckpt / "meta.json").read_text()
        scores = get_task("speech-asr").evaluate(cfg, model)
        assert scores["reference_words"] > 0 and scores["rtf"] > 0
        # four steps learn nothing: nearly every word is wrong (a WER stuck at 0 would be a scoring bug)
        assert scores["wer"] > 0.5 and scores["wer"] == pytest.approx(
            (scores["substitutions"] + scores["deletions"] + scores["insertions"]) / scores["reference_words"])
        assert ("per" in scores) == (name == "asr-tiny")
        files = get_task("speech-asr").sample(cfg, model, tmp_path / name, 1, 0, None)
        rows = json.loads(files[0].read_text())
        assert len(rows) == 1 and rows[0]["reference"]


def test_transcribe_prints_one_line_per_file_and_resamples(checkpoints: dict[str, Path], espeak_corpus: Path,
                                                           tmp_path: Path) -> None:
    wavs = sorted(espeak_corpus.glob("*/wavs/*.wav"))[:2]
    from regen.speech.data.audio import load_wav

    wave, rate = load_wav(wavs[0], 16000)
    other = save_wav(tmp_path / "16k.wav", wave, rate)
    result = CliRunner().invoke(app, ["speech", "transcribe", str(wavs[0]), str(other), "--model",
                                      str(checkpoints["asr-tiny"]), "--json", "--phones"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [row["file"] for row in lines] == [str(wavs[0]), str(other)] and all("phones" in r for r in lines)
    assert "16000 Hz resampled" in result.output


def _bad_file(kind: str, folder: Path) -> Path:
    """A recording nobody can transcribe, of the given kind."""
    path = folder / f"{kind}.wav"
    if kind == "short":
        save_wav(path, np.random.default_rng(0).normal(0, 0.1, 200).astype(np.float32), 22050)
    elif kind == "text":
        path = folder / "notes.txt"
        path.write_text("not audio")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "corrupt":
        save_wav(path, np.random.default_rng(0).normal(0, 0.1, 22050).astype(np.float32), 22050)
        path.write_bytes(path.read_bytes()[:5000])
    return path


BAD = [("missing", "no such file"), ("text", "cannot read audio"), ("short", "at least"),
       ("empty", "empty (0 bytes)"), ("corrupt", "truncated")]


@pytest.mark.parametrize("kind, message", BAD)
def test_bad_audio_is_a_one_line_error(kind: str, message: str, checkpoints: dict[str, Path], tmp_path: Path) -> None:
    path = _bad_file(kind, tmp_path)
    result = CliRunner().invoke(app, ["speech", "transcribe", str(path), "--model", str(checkpoints["asr-tiny"])])
    assert result.exit_code == 2 and result.stdout == "" and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"error: {path}: ") and message in result.stderr and "; " in result.stderr


def test_bad_files_among_good_ones_are_reported_and_the_rest_transcribed(checkpoints: dict[str, Path],
                                                                         espeak_corpus: Path, tmp_path: Path) -> None:
    good = sorted(espeak_corpus.glob("*/wavs/*.wav"))[:2]
    bad = [_bad_file(kind, tmp_path) for kind, _ in BAD]
    files = [good[0], *bad[:3], good[1], *bad[3:]]
    result = CliRunner().invoke(app, ["speech", "transcribe", *map(str, files), "--model",
                                      str(checkpoints["asr-tiny"]), "--json"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["file"] for row in rows] == [str(good[0]), str(good[1])]
    assert all(set(row) == {"file", "text", "silent", "segments", "words"} and not row["silent"] for row in rows)
    assert all(row["segments"] and row["segments"][0]["text"] == row["text"] for row in rows)  # one piece each
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert [e.split(": ")[1] for e in errors] == [str(p) for p in bad]
    for error, (_, message) in zip(errors, BAD):
        assert message in error


def test_silence_is_reported_at_once_without_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Silent and near-silent files get an empty transcript and a note; the transcriber (and its P2G,
    about ten seconds to build) is never made for them."""
    import time

    from regen.speech.asr import files

    def never(*args: object) -> None:
        raise AssertionError("the transcriber was built for silent files")

    monkeypatch.setattr(files, "transcriber", never)
    silent = save_wav(tmp_path / "silent.wav", np.zeros(22050 * 30, dtype=np.float32), 22050)
    hiss = save_wav(tmp_path / "hiss.wav", np.random.default_rng(0).normal(0, 3e-4, 16000 * 30).astype(np.float32),
                    16000)
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["speech", "transcribe", str(silent), str(hiss)])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{silent}\t", f"{hiss}\t"]
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 2 and all("no speech found (the file is silent" in n for n in notes)
    as_json = CliRunner().invoke(app, ["speech", "transcribe", str(silent), "--json", "--phones"])
    assert json.loads(as_json.stdout) == {"file": str(silent), "text": "", "silent": True, "segments": [], "words": [],
                                          "phones": ""}
    assert seconds < 10, f"{seconds:.1f} s for two silent files (model loading included)"


def test_demo_section_transcribes_each_clip(checkpoints: dict[str, Path], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from regen.speech.asr import demo

    monkeypatch.setattr(demo, "SHIPPED", str(checkpoints["asr-tiny"]))
    page = demo.demo_section(tmp_path)
    assert page.startswith("<section") and page.endswith("</section>")
    assert page.count("<audio ") == 3 and page.count("</tr>") == 4  # header + two festival clips + one TTS clip
    for k in (1, 2, 3):
        assert (tmp_path / "asr" / f"clip-{k}.wav").stat().st_size > 0


def test_shipped_recogniser_loads_and_is_small() -> None:
    from regen.core.assets import resolve_checkpoint
    from regen.speech.asr.task import SHIPPED

    model, cfg, meta = load_model(SHIPPED, task="speech-asr")
    size = sum(p.stat().st_size for p in resolve_checkpoint(SHIPPED).iterdir())
    assert isinstance(model, CTCRecognizer) and cfg.model.units == "phones" and size < 8 * 2**20
    assert meta["git_commit"] and not meta["git_commit"].endswith("dirty") and meta["metrics"]["wer"] < 0.5


def test_an_unknown_text_source_is_a_one_line_config_error() -> None:
    from regen.core.errors import ConfigError

    assert load_run_config("speech/asr-tiny", ["data.text_source=austen"]).data.text_source == "austen"
    with pytest.raises(ConfigError, match="text_source must be one of bible, austen"):
        load_run_config("speech/asr-tiny", ["data.text_source=shakespeare"])


def test_a_run_from_a_checkpoint_keeps_its_mel_normalisation(checkpoints: dict[str, Path], espeak_corpus: Path,
                                                             tmp_path: Path) -> None:
    source, _, _ = load_model(checkpoints["asr-tiny"])
    other_data = SMALL + [f"data.corpus={espeak_corpus}", "data.max_utterances=2", "phases.acoustic.max_steps=1"]
    fresh, _, _ = load_model(train_run(load_run_config("speech/asr-tiny", other_data), tmp_path / "fresh",
                                       evaluate=False))
    assert not torch.equal(fresh.mel_mean, source.mel_mean)  # two utterances give other statistics
    tune = other_data + [f"trainer.init_from={checkpoints['asr-tiny']}"]
    tuned, _, _ = load_model(train_run(load_run_config("speech/asr-tiny", tune), tmp_path / "tuned", evaluate=False))
    assert torch.equal(tuned.mel_mean, source.mel_mean) and torch.equal(tuned.mel_std, source.mel_std)
