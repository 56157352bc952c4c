"""iSTFT vocoder: frame alignment, learning a tone, config errors, training run, use as a renderer."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from regen.core.assets import asset_path
from regen.core.errors import RegenError
from regen.core.run_config import load_run_config
from regen.core.task import load_model
from regen.speech.features.abstraction import LogMel
from regen.speech.features.mel import load_mel_config, log_mel
from regen.speech.features.stft_loss import multi_resolution_stft_loss
from regen.speech.tts.renderers import NeuralRenderer
from regen.speech.tts.speaker import Speaker
from regen.speech.vocoder.istft import ISTFTVocoder, ISTFTVocoderConfig
from regen.train.run import train_run

from ..conftest import tone

MEL = load_mel_config("logmel-ch4")
SMALL = ISTFTVocoderConfig(dim=32, hidden=64, blocks=2)


def test_output_is_aligned_with_the_mel_frames_and_matches_the_abstraction() -> None:
    model = ISTFTVocoder(SMALL, MEL)
    assert model.input_space.matches(LogMel(MEL).space) and model.output_space.matches(LogMel(MEL).target_space)
    wave = model.vocode(torch.randn(37, 80))
    assert wave.shape == (37 * 128,) and wave.abs().max() <= 1.0
    assert model.vocode(torch.randn(2, 9, 80)).shape == (2, 9 * 128)
    with pytest.raises(TypeError, match="deterministic"):
        model.vocode(torch.randn(9, 80), temperature=0.5)
    with pytest.raises(RegenError):
        model.vocode(torch.randn(9, 64))  # 64 bands, not 80


def test_learns_a_tone_from_its_log_mel() -> None:
    """A few hundred steps on one chunk halve the STFT loss of the output and its log-mel distance."""
    torch.manual_seed(0)
    wave = torch.from_numpy(tone(0.4))
    frames = len(wave) // 128
    target = wave[None, :frames * 128]
    cond = log_mel(target[0], MEL)[:frames]
    model = ISTFTVocoder(SMALL, MEL)
    cond = ((cond - cond.mean(0)) / (cond.std(0) + 1e-3))[None]
    batch = {"cond": cond, "target": target}
    first = multi_resolution_stft_loss(model(cond), target).item()
    first_mel = model.loss(batch)["mel_l1"].item()
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    for _ in range(300):
        opt.zero_grad()
        model.loss(batch)["loss"].backward()
        opt.step()
    last = multi_resolution_stft_loss(model(cond).detach(), target).item()
    assert last < 0.5 * first
    loss = model.loss(batch)
    assert set(loss) == {"loss", "stft", "mel_l1"} and loss["mel_l1"] < 0.5 * first_mel


def test_configs_validate_and_bad_sizes_fail_in_one_line() -> None:
    tiny, paper = (load_run_config(f"speech/istft-{s}") for s in ("tiny", "paper"))
    assert tiny.task == paper.task == "speech-istft" and paper.model.dim == 512 and paper.model.blocks == 8
    with pytest.raises(RegenError, match="multiple of hop"):
        load_run_config("speech/istft-tiny", ["model.n_fft=300"])
    with pytest.raises(RegenError, match="disagree with mel config"):
        load_run_config("speech/istft-tiny", ["model.hop=256", "model.n_fft=1024"])


def test_training_run_gives_a_renderer_for_the_speaker(lj_folder: Path, tmp_path: Path) -> None:
    overrides = ["model.dim=16", "model.hidden=32", "model.blocks=1", "phases.vocoder.batch_size=2",
                 "phases.vocoder.max_steps=3", "data.chunk_frames=16", "data.chunks_per_utterance=1",
                 "trainer.progress=false", "trainer.val_every=1", f"data.corpus={lj_folder}",
                 "sample.eval_utterances=1"]
    out = train_run(load_run_config("speech/istft-tiny", overrides), tmp_path / "run", out=tmp_path / "ckpt")
    model, cfg, meta = load_model(out, task="speech-istft")
    assert isinstance(model, ISTFTVocoder) and cfg.model.dim == 16 and meta["phases"]["vocoder"]["steps"] == 3
    assert not torch.equal(model.mel_std, torch.ones(80))  # statistics travel with the weights
    assert meta["metrics"]["vocoder_mcd_db"] > 0 and meta["metrics"]["vocoder_rtf"] > 0
    with pytest.raises(RegenError, match="speech-vocoder"):
        load_model(out, task="speech-vocoder")  # a WaveRNN slot refuses it
    renderer = NeuralRenderer(model, load_mel_config("logmel-rmelnet"))  # R-MelNet's mels are converted
    assert renderer.sample(torch.randn(1, 20, 256)).shape[0] == 1
    speech = Speaker.from_checkpoints(asset_path("speech", "repmix-tiny"), "istft", out).say("Amen.")
    assert speech.wave.size > 0 and abs(speech.wave).max() <= 1.0
