"""Tiny train -> checkpoint -> evaluate -> `regen text sample/infill` and `regen sample` on CPU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regen.cli.main import app
from regen.core.run_config import load_run_config
from regen.train.run import train_run

TINY = ["phases.model.max_steps=3", "phases.model.batch_size=8", "data.max_sentences=64",
        "data.eval_samples=4", "sample.steps=2", "trainer.progress=false", "trainer.threads=1",
        "model.transformer.layers=1", "model.transformer.dim=32", "model.transformer.hidden=64",
        "model.transformer.heads=2"]


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("text")
    return train_run(load_run_config("text/sunmask-tiny", TINY), root / "run", out=root / "ckpt")


def test_training_records_data_and_metrics(ckpt: Path) -> None:
    meta = json.loads((ckpt / "meta.json").read_text())
    assert meta["phases"]["model"]["steps"] == 3 and meta["data"]["train_sentences"] == 64
    assert meta["data"]["sentences"]["test"] > 200
    assert {"valid_nll", "bleu_corpus", "bleu_sentence_mean", "self_bleu"} <= set(meta["metrics"])
    assert meta["metrics"]["valid_nll"] > 0


def test_cli_sample_and_infill(ckpt: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["text", "sample", "--model", str(ckpt), "--n", "3", "--out", str(tmp_path / "s.txt")])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "s.txt").read_text().splitlines()
    assert len(lines) == 3 and all(lines)
    result = runner.invoke(app, ["text", "infill", "And God said ___ ___ light", "--model", str(ckpt), "--n", "2"])
    assert result.exit_code == 0, result.output
    filled = result.output.strip().splitlines()
    assert len(filled) == 2 and all(f.startswith("And God said ") and " light" in f for f in filled)
    result = runner.invoke(app, ["sample", str(ckpt), "--n", "2", "--out", str(tmp_path / "generic")])
    assert result.exit_code == 0 and len((tmp_path / "generic" / "samples.txt").read_text().splitlines()) == 2


@pytest.mark.parametrize("args, message", [(["infill", "And God said"], "no ___ slot"),
                                           (["infill", "Zorblax ___"], "Zorblax"),
                                           (["sample", "--temperature", "nan"], "positive number")])
def test_bad_input_is_one_line(ckpt: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["text", *args, "--model", str(ckpt)])
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_character_level_reports_bits_and_fills_character_slots(tmp_path: Path) -> None:
    small = [o for o in TINY if not o.startswith(("data.max_sentences", "data.eval_samples"))]
    lm = train_run(load_run_config("text/autoregressive-char-tiny", small + ["data.max_sentences=64"]),
                   tmp_path / "lm", out=tmp_path / "lm-ckpt")
    metrics = json.loads((lm / "meta.json").read_text())["metrics"]
    assert set(metrics) == {"valid_token_nll", "valid_bits_per_token"}
    assert metrics["valid_bits_per_token"] == pytest.approx(metrics["valid_token_nll"] / 0.6931471805599453)
    denoiser = train_run(load_run_config("text/sunmask-char-tiny", small + ["data.max_sentences=64"]),
                         tmp_path / "dn", out=tmp_path / "dn-ckpt")
    result = CliRunner().invoke(app, ["text", "infill", "and god said ____ light", "--model", str(denoiser)])
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[0]
    assert line.startswith("and god said ") and line[17:23] == " light" and len(line) == 23


def test_shipped_model_writes_and_infills_sentences() -> None:
    """The shipped text/sunmask-tiny is the default of `regen text`; it was built from a clean commit."""
    from regen.core.assets import resolve_checkpoint

    meta = json.loads((resolve_checkpoint("text/sunmask-tiny") / "meta.json").read_text())
    bleu = meta["metrics"].get("bleu_corpus", meta["metrics"].get("bleu"))  # `bleu`: evaluated before the split
    assert not meta["git_commit"].endswith("-dirty") and bleu > 10
    result = CliRunner().invoke(app, ["text", "sample", "--n", "2", "--steps", "8"])
    assert result.exit_code == 0, result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 2
    result = CliRunner().invoke(app, ["text", "infill", "And God said ___ ___ light", "--n", "2", "--steps", "8"])
    assert result.exit_code == 0 and all(line.startswith("And God said") for line in result.output.splitlines()
                                         if line.strip()), result.output


@pytest.mark.parametrize("name", ["text/template-tiny", "text/template-direct-tiny"])
def test_shipped_keyword_models_use_their_keywords(name: str) -> None:
    """The shipped keywords -> sentence models (regeneration, the default of `regen text from-keywords`,
    and Direct) were built from a clean commit and write the requested words."""
    from regen.core.assets import resolve_checkpoint

    meta = json.loads((resolve_checkpoint(name) / "meta.json").read_text())
    assert not meta["git_commit"].endswith("-dirty") and meta["metrics"]["keyword_coverage"] > 0.8
    result = CliRunner().invoke(app, ["text", "from-keywords", "firmament darkness", "--model", name, "--n", "4"])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 0 and len(lines) == 4, result.output
    assert sum("firmament" in line and "darkness" in line for line in lines) >= 3, lines
