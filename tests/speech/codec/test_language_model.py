"""The code language model: windows of codes from unpaired audio, training, prompted continuation that
keeps the prompt's codes, `regen speech continue` and its one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf
import torch
from typer.testing import CliRunner

from regen.cli.main import app
from regen.core.run_config import load_run_config
from regen.core.task import get_task, load_model
from regen.speech.codec.language_model import CodesLM
from regen.train.run import train_run

from .conftest import CODEC


@pytest.fixture(scope="module")
def lm(codec: Path, espeak_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    overrides = [f"model.codec.{k}={v}" for k, v in CODEC.items()] + [
        f"model.codec_checkpoint={codec}", f"data.corpus={espeak_corpus}", "data.valid_utterances=2",
        "model.window=16", "model.dim=16", "model.layers=1", "model.filter=16", "phases.lm.batch_size=4",
        "phases.lm.max_steps=20", "phases.lm.lr=0.003", "phases.lm.warmup=1", "trainer.val_every=10",
        "trainer.log_every=1", "trainer.progress=false", "trainer.snapshot_minutes=[]", "trainer.max_minutes=0",
        "sample.steps=3"]
    run = tmp_path_factory.mktemp("codes-lm")
    return train_run(load_run_config("speech/codes-lm-tiny", overrides), run / "run", out=run / "ckpt")


def test_training_records_windows_and_a_validation_nll(lm: Path) -> None:
    model, cfg, meta = load_model(lm)
    assert isinstance(model, CodesLM) and meta["data"]["windows"] > 0
    assert meta["metrics"]["valid_nll"] > 0


def test_continuation_keeps_the_prompt_codes_and_goes_past_a_window(lm: Path) -> None:
    model, _, _ = load_model(lm)
    prompt = torch.randint(0, 16, (5, 2))
    codes = model.continue_codes(prompt, 30, steps=3, seed=0)  # 35 frames: three windows of 16
    assert codes.shape == (35, 2) and torch.equal(codes[:5], prompt) and int(codes.max()) < 16
    assert torch.equal(codes, model.continue_codes(prompt, 30, steps=3, seed=0))


def test_continue_command_writes_prompt_and_continuation(lm: Path, espeak_corpus: Path, tmp_path: Path) -> None:
    wav = next((espeak_corpus / "espeak-en-us" / "wavs").glob("*.wav"))
    out = tmp_path / "more.wav"
    done = CliRunner().invoke(app, ["speech", "continue", str(wav), "--checkpoint", str(lm), "--seconds", "1.5",
                                    "--prompt-seconds", "0.5", "--steps", "3", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert sf.info(str(out)).duration == pytest.approx(2.0, abs=0.1)
    short = CliRunner().invoke(app, ["speech", "continue", str(wav), "--checkpoint", str(lm), "--prompt-seconds",
                                     "29", "--out", str(tmp_path / "x.wav")])
    assert short.exit_code != 0 and "give at least 29 s of prompt" in short.output and "Traceback" not in short.output
    model, cfg, _ = load_model(lm)
    files = get_task(cfg.task).sample(cfg, model, tmp_path / "samples", 1, 0, None)
    assert [f.name for f in files] == ["0001.wav"] and sf.info(str(files[0])).duration > 3.5  # 1 s + 3 s
