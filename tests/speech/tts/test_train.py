"""Training the three paired-data speech models end to end on a tiny espeak corpus, and their configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from regen.core.errors import ConfigError, RegenError
from regen.speech.tts.direct import DirectTTS
from regen.speech.tts.rmelnet import RMelNet
from regen.speech.tts.repmix import RepMixTTS
from regen.core.run_config import load_run_config
from regen.core.task import load_model
from regen.train.run import train_run

SMALL = ["phases.converter.max_steps=4", "phases.converter.batch_size=2", "trainer.val_every=2", "trainer.ckpt_every=2",
         "trainer.progress=false", "data.max_seconds=8.0", "data.mixings=1"]
SHRINK = {"repmix": ["model.smrc_channels=8", "model.enc_hidden=8", "model.attn_hidden=16", "model.dec_hidden=16"],
          "direct": ["model.smrc_channels=8", "model.enc_hidden=8", "model.attn_hidden=16", "model.dec_hidden=16"],
          "rmelnet": ["model.hidden=8", "model.layers=2", "model.candidates=2", "model.copies=2"]}
CLASSES = {"repmix": RepMixTTS, "rmelnet": RMelNet, "direct": DirectTTS}


@pytest.mark.parametrize("name", ["repmix", "rmelnet", "direct"])
def test_train_writes_a_loadable_checkpoint_with_alignments(name: str, espeak_corpus: Path, tmp_path: Path) -> None:
    cfg = load_run_config(f"speech/{name}-tiny", SMALL + SHRINK[name] + [f"data.corpus={espeak_corpus}"])
    ckpt = train_run(cfg, tmp_path / "run", evaluate=False)
    model, loaded, _ = load_model(ckpt)
    assert isinstance(model, CLASSES[name]) and loaded.task == cfg.task
    assert float(model.mel_std.min()) > 0 and float(model.mel_mean.abs().sum()) > 0 or name == "direct"
    assert sorted(p.name for p in (tmp_path / "run" / "alignments").iterdir()) == ["step-000002.png",
                                                                                  "step-000004.png"]
    meta = (ckpt / "meta.json").read_text()
    assert '"steps": 4' in meta and '"git_commit"' in meta and '"phrases"' in meta


def test_resume_continues_the_same_run(espeak_corpus: Path, tmp_path: Path) -> None:
    data = [f"data.corpus={espeak_corpus}"]
    cfg = load_run_config("speech/repmix-tiny", SMALL + SHRINK["repmix"] + data)
    train_run(cfg, tmp_path / "run", evaluate=False)
    with pytest.raises(RegenError, match="--resume"):
        train_run(cfg, tmp_path / "run", evaluate=False)
    longer = load_run_config("speech/repmix-tiny", SMALL + SHRINK["repmix"] + data + ["phases.converter.max_steps=6"])
    ckpt = train_run(longer, tmp_path / "run", resume=True, evaluate=False)
    assert '"steps": 6' in (ckpt / "meta.json").read_text()


@pytest.mark.parametrize("overrides, message", [
    (["model.mixture=3"], "did you mean 'model.mixtures'"),
    (["task=speech-nope"], "unknown task 'speech-nope'"),
    (["model.n_mels=64"], "disagrees with mel config"),
    (["data.max_seconds=0.1"], "min_seconds"),
])
def test_config_mistakes_are_one_line_errors(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_run_config("speech/repmix-tiny", overrides)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["repmix", "rmelnet", "direct"])
def test_paper_configs_validate(name: str) -> None:
    cfg = load_run_config(f"speech/{name}-paper")
    assert cfg.name == f"{name}-paper" and cfg.data.phrases is False


def test_foreign_checkpoint_is_refused(tmp_path: Path) -> None:
    from regen.speech.tts.speaker import Speaker

    with pytest.raises(RegenError, match="not a text -> speech converter"):
        Speaker.from_checkpoints("image/digits-pool-tiny")
