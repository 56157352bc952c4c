"""WaveRNN vocoder: mu-law, alignment, overfitting, folded generation, errors, training run."""

from __future__ import annotations

import json

import math
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from regen.core.errors import RegenError
from regen.speech.features.abstraction import LogMel
from regen.speech.features.mel import load_mel_config, log_mel
from regen.speech.vocoder.wavernn import (VocoderConfig, WaveRNNVocoder, class_to_unit, mu_law_decode,
                                  mu_law_encode, upsample_frames)
from regen.speech.vocoder.data import load_items, mel_stats, segments, split_items
from regen.core.run_config import load_run_config
from regen.core.task import load_model
from regen.train.run import train_run

from ..conftest import tone

SMALL = VocoderConfig(bits=8, cond_dim=16, cond_blocks=1, rnn_dim=32, fc_dim=32, train_frames=4)


@pytest.mark.parametrize("bits", [8, 9])
def test_mu_law_round_trip(bits: int) -> None:
    wave = torch.linspace(-1, 1, 5001)
    classes = mu_law_encode(wave, bits)
    assert classes.min() == 0 and classes.max() == 2**bits - 1
    back = mu_law_decode(classes, bits)
    # quantisation error is largest near +-1, where one class spans ~ln(1+mu)/mu * |x| * 2
    step = 2 * math.log1p(2**bits - 1) / (2**bits - 1)
    assert (back - wave).abs().max() < step
    assert torch.equal(mu_law_encode(back, bits), classes)


def test_upsampling_aligns_frames_with_samples() -> None:
    feats = torch.arange(5, dtype=torch.float32)[None, :, None]  # frame f holds value f
    up = upsample_frames(feats, 128)
    assert up.shape == (1, 5 * 128, 1)
    assert torch.equal(up[0, ::128, 0], feats[0, :, 0])  # sample f * hop is frame f's centre
    assert up[0, 64, 0] == pytest.approx(0.5)


def test_spaces_match_log_mel_abstraction() -> None:
    mel = load_mel_config("logmel-ch4")
    model = WaveRNNVocoder(VocoderConfig(), mel.sample_rate, mel.name)
    assert model.input_space.matches(LogMel(mel).space)
    assert model.output_space.matches(LogMel(mel).target_space)


def test_configs_validate() -> None:
    for name in ("tiny", "paper"):
        cfg = load_run_config(f"speech/vocoder-{name}")
        assert cfg.task == "speech-vocoder" and cfg.model.hop == 128 and cfg.model.n_mels == 80
    with pytest.raises(RegenError, match="chunk_frames"):
        load_run_config("speech/vocoder-tiny", ["data.chunk_frames=8"])
    with pytest.raises(RegenError, match="did you mean"):
        load_run_config("speech/vocoder-tiny", ["model.rnn_dims=3"])


def test_overfits_one_tone_segment() -> None:
    torch.manual_seed(0)
    mel = load_mel_config("logmel-ch4")
    wave = torch.from_numpy(tone(0.25))
    cond = log_mel(wave, mel)
    cond = ((cond - cond.mean(0)) / (cond.std(0) + 1e-3))[None]  # (1, frames, 80)
    frames = cond.shape[1]
    target = torch.zeros(1, frames * 128)
    target[0, :len(wave)] = wave[:frames * 128]
    model = WaveRNNVocoder(replace(SMALL, train_frames=2))
    batch = {"cond": cond.expand(4, -1, -1), "target": target.expand(4, -1)}
    opt = torch.optim.Adam(model.parameters(), 5e-3)
    first = model.loss(batch)["loss"].item()
    for _ in range(160):
        loss = model.loss(batch)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        final = sum(model.loss(batch)["loss"].item() for _ in range(5)) / 5
    counts = torch.bincount(mu_law_encode(target, 8).flatten(), minlength=256).float()
    p = counts[counts > 0] / counts.sum()
    marginal = float(-(p * p.log()).sum())  # ~4.7 nats for this tone
    # Chance is ln 256 = 5.55 nats. A model that ignores the previous samples and the mel
    # can at best reach the entropy of the class histogram (`marginal`); beating it by a
    # full nat (~3.4 reached, i.e. the mass sits on ~30 of 256 classes) shows the network
    # predicts the waveform from its past and its conditioning.
    assert first > 5.0
    assert final < marginal - 1.0


def test_generation_length_and_folding() -> None:
    torch.manual_seed(0)
    model = WaveRNNVocoder(SMALL)
    cond = torch.randn(2, 7, 80)
    for fold, overlap in ((0, 0), (256, 32), (300, 300)):
        wave = model.sample(cond, fold=fold, overlap=overlap)
        assert wave.shape == (2, 7 * 128)
        assert wave.abs().max() <= 1
    assert model.sample(cond, n=3, fold=128, overlap=16).shape == (6, 7 * 128)
    assert model.vocode(torch.randn(5, 80), fold=128, overlap=16, progress=True).shape == (5 * 128,)


def test_step_sampler_matches_the_teacher_forced_network() -> None:
    torch.manual_seed(0)
    model = WaveRNNVocoder(SMALL).eval()
    cond = torch.randn(2, 6, 80)
    with torch.no_grad():
        classes = mu_law_encode(model.sample(cond, fold=0, overlap=0, temperature=1e-4), 8)  # ~greedy
        prev = torch.cat([torch.zeros(2, 1), class_to_unit(classes[:, :-1], 8)], dim=1)
        greedy = model.logits(prev, model.conditioning(cond)).argmax(-1)
    # the hand-written GRU step of `sample` is the nn.GRU of `loss` (rare float ties aside)
    assert (greedy == classes).float().mean() > 0.99


def test_bad_input_is_a_regen_error() -> None:
    model = WaveRNNVocoder(SMALL)
    with pytest.raises(RegenError, match="80"):
        model.sample(torch.randn(1, 10, 64))
    with pytest.raises(RegenError, match="80"):
        model.loss({"cond": torch.randn(2, 20, 40), "target": torch.zeros(2, 20 * 128)})
    with pytest.raises(RegenError, match="NaN"):
        model.sample(torch.full((1, 4, 80), float("nan")))
    with pytest.raises(RegenError, match="aligned"):
        model.loss({"cond": torch.randn(2, 20, 80), "target": torch.zeros(2, 20 * 128 - 1)})


def test_segments_are_aligned_and_deterministic(lj_folder: Path) -> None:
    mel = load_mel_config("logmel-ch4")
    train, held = split_items(load_items(lj_folder, mel), 1)
    assert len(train) == 4 and len(held) == 1
    stats = mel_stats(train, mel, 10)
    a = segments(train, mel, stats, 24, 3, seed=5)
    b = segments(train, mel, stats, 24, 3, seed=5)
    assert a["cond"].shape == (12, 24, 80) and a["target"].shape == (12, 24 * 128)
    assert torch.equal(a["cond"], b["cond"]) and torch.equal(a["target"], b["target"])
    # the chunk's mel is the mel of its samples (away from the chunk edges)
    recomputed = stats.normalize(log_mel(a["target"][0], mel))
    assert torch.allclose(recomputed[4:20], a["cond"][0, 4:20], atol=1e-3)


def test_train_vocoder_writes_a_loadable_checkpoint(lj_folder: Path, tmp_path: Path) -> None:
    small = ["model.rnn_dim=16", "model.fc_dim=16", "model.cond_dim=8", "phases.vocoder.batch_size=2",
             "data.chunks_per_utterance=1", "trainer.progress=false", "trainer.val_every=1", f"data.corpus={lj_folder}",
             "sample.eval_utterances=1"]
    cfg = load_run_config("speech/vocoder-tiny", small + ["phases.vocoder.max_steps=2"])
    out = train_run(cfg, tmp_path / "run", out=tmp_path / "ckpt", evaluate=False)
    model, loaded, meta = load_model(out, task="speech-vocoder")
    assert isinstance(model, WaveRNNVocoder) and model.cfg.rnn_dim == 16 and loaded.task == "speech-vocoder"
    assert not torch.equal(model.mel_std, torch.ones(80))  # statistics travel with the weights
    assert meta["data"]["fingerprint"] and meta["git_commit"] and meta["seed"] == 0
    with pytest.raises(RegenError, match="already holds a run"):
        train_run(cfg, tmp_path / "run", evaluate=False)
    more = load_run_config("speech/vocoder-tiny", small + ["phases.vocoder.max_steps=3"])
    resumed = train_run(more, tmp_path / "run", resume=True, out=tmp_path / "ckpt")
    meta = json.loads((resumed / "meta.json").read_text())
    assert meta["phases"]["vocoder"]["steps"] == 3 and meta["metrics"]["vocoder_mcd_db"] > 0
