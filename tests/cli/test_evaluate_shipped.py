"""`regen evaluate <shipped speech checkpoint>` on a fresh clone: no data/ folder, an empty cache.

The tasks that score recordings (recogniser, vocoders) record their held-out sentences with the
checkpoint's voice into the cache on first use; the text-to-speech tasks need no recording. The
sets are kept small here through the configs' own counts (`sample.eval_*`), and `data.corpus`
points at a folder that does not exist.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from regen.cli.main import app
from regen.core import run_config
from regen.core.assets import asset_names

SPEECH = [name for name in asset_names() if name.startswith("speech/")]
SMALL = {"eval_sentences": 1, "eval_utterances": 2, "lm_sentences": 300}
RECORDED = ("speech/asr-tiny", "speech/istft-tiny", "speech/vocoder-tiny")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("festival") is None:
        pytest.skip("festival is not installed")
    return tmp_path_factory.mktemp("cache")


def test_every_shipped_speech_checkpoint_is_listed() -> None:
    assert set(RECORDED) | {"speech/duration-tiny", "speech/repmix-tiny", "speech/rmelnet-tiny"} <= set(SPEECH)


@pytest.mark.parametrize("name", SPEECH)
def test_evaluate_works_without_the_training_corpus(name: str, cache: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    parse = run_config.parse_run_config

    def small(raw: dict[str, Any], where: str) -> Any:
        cfg = parse(raw, where=where)
        known = {f.name for f in fields(cfg.sample)}
        cfg.sample = replace(cfg.sample, **{k: v for k, v in SMALL.items() if k in known})
        if hasattr(cfg.data, "corpus"):
            cfg.data = replace(cfg.data, corpus=str(tmp_path / "no-such-corpus"))
        return cfg

    monkeypatch.setattr(run_config, "parse_run_config", small)
    monkeypatch.setenv("REGEN_CACHE_DIR", str(cache))
    monkeypatch.setenv("REGEN_PROGRESS", "0")
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["evaluate", name])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    numbers = {k: v for k, v in metrics.items() if k != "eval_set"}
    assert numbers and all(isinstance(v, (int, float)) and math.isfinite(v) for v in numbers.values()), metrics
    assert "held-out King James sentences" in metrics["eval_set"]
    if name in RECORDED:
        assert metrics["eval_set"].startswith("2 held-out King James sentences read by festival:slt")
        assert "no-such-corpus not found" in metrics["eval_set"]
        assert len(list(cache.glob("speech/eval-held-out-festival-slt/festival-slt/wavs/*.wav"))) >= 2
    assert seconds < 60, f"{name}: {seconds:.0f} s"
