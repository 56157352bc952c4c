"""Text -> codes -> speech end to end on the tiny espeak corpus: a codec trained a few steps, then the
codes converter on its codes (the denoising loss falls), speech through the codec's decoder, evaluation,
and a codec whose sizes differ from the config refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from regen.core.errors import ConfigError
from regen.core.regenerator import Regenerator
from regen.core.run_config import load_run_config
from regen.core.task import get_task, load_model
from regen.speech.codec.converter import CodesTTS
from regen.speech.codec.speak import CodesSpeaker
from regen.train.callbacks import read_loss_log
from regen.train.run import train_run

from .conftest import CODEC

SMALL = ["model.hidden=32", "model.conv_filter=32", "model.predictor_filter=16", "model.aligner_channels=64",
         "model.variance_bins=16", "model.decoder_layers=1", "phases.converter.batch_size=4",
         "phases.converter.lr=0.003", "phases.converter.warmup=1", "trainer.val_every=10", "trainer.ckpt_every=10",
         "trainer.log_every=1", "trainer.progress=false", "trainer.snapshot_minutes=[]", "trainer.max_minutes=0",
         "data.valid_utterances=1", "model.speakers=[espeak:en-us]", "sample.code_steps=4"]


@pytest.fixture(scope="module")
def trained(codec: Path, espeak_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    overrides = SMALL + [f"model.codec.{k}={v}" for k, v in CODEC.items()] + [
        f"model.codec_checkpoint={codec}", f"data.corpus={espeak_corpus}", "phases.converter.max_steps=30"]
    run = tmp_path_factory.mktemp("codes-run")
    return train_run(load_run_config("speech/codes-tts-tiny", overrides), run, evaluate=False), run


def test_the_denoising_loss_falls_and_the_codec_stays_frozen(trained: tuple[Path, Path], codec: Path) -> None:
    ckpt, run = trained
    log = read_loss_log(run / "converter" / "metrics.csv")
    for term in ("codes", "align", "duration"):
        values = [value for _, key, value in log if key == f"train/{term}"]
        assert len(values) == 30 and sum(values[-5:]) < sum(values[:5]), term
    model, _, _ = load_model(ckpt)
    frozen, _, _ = load_model(codec)
    assert isinstance(model, CodesTTS)
    assert all(torch.equal(a, b) for a, b in zip(model.codec.state_dict().values(), frozen.state_dict().values()))


def test_speech_comes_from_sampled_codes_through_the_codec(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model, cfg, _ = load_model(trained[0])
    speaker = CodesSpeaker(model, cfg)
    assert isinstance(speaker.regenerator, Regenerator) and speaker.regenerator.abstraction is model.codec
    speech = speaker.say("The birch canoe slid on the smooth planks.", seed=1)
    made = model.last_codes
    frames = int(made.mel_lengths[0])
    assert made.codes.shape[-1] == 2 and int(made.codes.max()) < 16 and int(made.lengths[0]) == -(-frames // 4)
    assert len(speech.wave) == frames * 128 and abs(speech.wave).max() <= 1.0 and speech.success
    again = speaker.say("The birch canoe slid on the smooth planks.", seed=1)
    assert (again.wave == speech.wave).all()  # seeded
    from typer.testing import CliRunner

    from regen.cli.main import app

    said = CliRunner().invoke(app, ["speech", "say", "Amen.", "--checkpoint", str(trained[0]), "--out",
                                    str(tmp_path / "amen.wav")])
    assert said.exit_code == 0 and (tmp_path / "amen.wav").stat().st_size > 1000, said.output
    files = get_task(cfg.task).sample(cfg, model, tmp_path, 1, 0, None)
    assert [f.name for f in files] == ["0001.wav", "0001-alignment.png"]
    cfg.sample.eval_sentences = 1
    assert set(get_task(cfg.task).evaluate(cfg, model)) == {"wer", "success", "rtf", "eval_set"}


def test_a_codec_of_other_sizes_is_one_line(codec: Path, espeak_corpus: Path, tmp_path: Path) -> None:
    overrides = SMALL + [f"model.codec_checkpoint={codec}", f"data.corpus={espeak_corpus}",
                         "phases.converter.max_steps=1"]
    with pytest.raises(ConfigError, match="model.codec differs"):
        train_run(load_run_config("speech/codes-tts-tiny", overrides), tmp_path / "run", evaluate=False)


def test_settings_the_code_denoiser_cannot_honour_are_refused() -> None:
    with pytest.raises(ConfigError, match="sundae's loss would score the padding"):
        load_run_config("speech/codes-tts-tiny", ["model.denoising=sundae"])
    with pytest.raises(ConfigError, match="keep decoder: regression"):
        load_run_config("speech/codes-tts-tiny", ["model.decoder=flow"])
