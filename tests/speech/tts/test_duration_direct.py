"""The duration model's Direct row (FastSpeech 2s-like): the same network ending in the iSTFT head, trained
on the waveform; its losses fall, it speaks through the command line with no vocoder, and evaluates."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from regen.cli.main import app
from regen.core.run_config import load_run_config
from regen.core.task import get_task, load_model
from regen.speech.tts.duration.direct import DirectDurationSpeaker, DirectDurationTTS
from regen.speech.tts.speaker import Speaker
from regen.train.callbacks import read_loss_log
from regen.train.run import train_run

from .test_duration_task import SMALL

HEAD = ["model.head_dim=16", "model.head_hidden=32", "model.head_blocks=1", "model.segment_frames=16",
        "model.speakers=[espeak:en-us]"]


@pytest.fixture(scope="module")
def trained(espeak_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    cfg = load_run_config("speech/direct-duration-tiny", SMALL + HEAD + [f"data.corpus={espeak_corpus}",
                                                                          "phases.converter.max_steps=30"])
    run = tmp_path_factory.mktemp("direct-duration")
    return train_run(cfg, run, evaluate=False), run


def test_waveform_losses_fall(trained: tuple[Path, Path]) -> None:
    ckpt, run = trained
    log = read_loss_log(run / "converter" / "metrics.csv")
    for term in ("stft", "wave_mel", "align", "duration"):
        values = [value for _, key, value in log if key == f"train/{term}"]
        assert len(values) == 30 and sum(values[-5:]) < sum(values[:5]), term
    model, cfg, _ = load_model(ckpt)
    assert isinstance(model, DirectDurationTTS) and cfg.task == "speech-duration-direct"


def test_it_speaks_without_a_renderer(trained: tuple[Path, Path], tmp_path: Path) -> None:
    speaker = Speaker.from_checkpoints(trained[0], "istft")
    assert isinstance(speaker, DirectDurationSpeaker) and speaker.regenerator is None
    speech = speaker.say("The birch canoe slid on the smooth planks.")
    frames = int(speech.phrases[0].alignment.shape[0])
    assert len(speech.wave) == frames * 128 and abs(speech.wave).max() <= 1.0
    assert len(speaker.say("The birch canoe slid on the smooth planks.", rate=2.0).wave) < 0.7 * len(speech.wave)
    said = CliRunner().invoke(app, ["speech", "say", "Amen.", "--checkpoint", str(trained[0]), "--out",
                                    str(tmp_path / "amen.wav")])
    assert said.exit_code == 0 and (tmp_path / "amen.wav").stat().st_size > 1000, said.output
    model, cfg, _ = load_model(trained[0])
    cfg.sample.eval_sentences = 1
    metrics = get_task(cfg.task).evaluate(cfg, model)
    assert set(metrics) == {"wer", "success", "rtf", "eval_set"} and "Direct" in metrics["eval_set"]
