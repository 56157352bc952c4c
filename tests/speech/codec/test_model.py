"""The speech codec: codes at the promised rate, learning a tone, configs, a training run."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from regen.core.errors import RegenError
from regen.core.run_config import load_run_config
from regen.core.task import load_model
from regen.speech.codec.model import CodecConfig, SpeechCodec
from regen.speech.features.mel import load_mel_config, log_mel
from regen.speech.features.stft_loss import multi_resolution_stft_loss
from regen.train.run import train_run

from ..conftest import tone

MEL = load_mel_config("logmel-ch4")
SMALL = CodecConfig(dim=32, hidden=64, encoder_blocks=1, decoder_blocks=2, code_dim=16, codebooks=2,
                    codebook_size=32)


def test_codes_come_at_the_bitrate_and_decode_to_aligned_audio() -> None:
    codec = SpeechCodec(CodecConfig(), MEL).eval()
    assert codec.bitrate == pytest.approx(22050 / 512 * 4 * 8) and codec.learned
    assert codec.space.kind == "discrete" and codec.space.vocab == 256
    wave = torch.from_numpy(tone(1.0))
    codes = codec.encode(wave)
    frames = log_mel(wave, MEL).shape[0]
    assert codes.shape == (-(-frames // 4), 4) and int(codes.max()) < 256
    audio = codec.decode(codes)
    assert audio.shape == (codes.shape[0] * 4 * 128,) and audio.abs().max() <= 1.0
    assert codec.vocode(log_mel(wave, MEL)).shape == (frames * 128,)


def test_learns_a_tone_through_its_codes() -> None:
    torch.manual_seed(0)
    wave = torch.from_numpy(tone(0.4))
    frames = len(wave) // 128 // 4 * 4
    target = wave[None, :frames * 128]
    cond = log_mel(target[0], MEL)[:frames]
    cond = ((cond - cond.mean(0)) / (cond.std(0) + 1e-3))[None]
    codec = SpeechCodec(SMALL, MEL)
    batch = {"cond": cond, "target": target}
    first = multi_resolution_stft_loss(codec(cond)[0].detach(), target).item()
    opt = torch.optim.Adam(codec.parameters(), 3e-3)
    for _ in range(250):
        opt.zero_grad()
        codec.loss(batch)["loss"].backward()
        opt.step()
    codec.eval()
    assert multi_resolution_stft_loss(codec(cond)[0].detach(), target).item() < 0.6 * first
    assert set(codec.loss(batch)) == {"loss", "stft", "mel_l1", "commitment", "perplexity"}


def test_configs_validate_and_bad_sizes_fail_in_one_line() -> None:
    tiny, paper = (load_run_config(f"speech/codec-{s}") for s in ("tiny", "paper"))
    assert tiny.task == paper.task == "speech-codec" and paper.model.codebooks == 8
    with pytest.raises(RegenError, match="power of two"):
        load_run_config("speech/codec-tiny", ["model.downsample=3"])
    with pytest.raises(RegenError, match="multiple of model.downsample"):
        load_run_config("speech/codec-tiny", ["data.chunk_frames=30"])


def test_training_run_records_bitrate_and_code_use(lj_folder: Path, tmp_path: Path) -> None:
    overrides = ["model.dim=16", "model.hidden=32", "model.encoder_blocks=1", "model.decoder_blocks=1",
                 "model.code_dim=8", "model.codebooks=2", "model.codebook_size=16", "phases.codec.batch_size=2",
                 "phases.codec.max_steps=3", "data.chunk_frames=16", "data.chunks_per_utterance=1",
                 "data.stats_utterances=4", "trainer.progress=false", "trainer.val_every=1",
                 f"data.corpus={lj_folder}", "sample.eval_utterances=1", "data.valid_utterances=1"]
    out = train_run(load_run_config("speech/codec-tiny", overrides), tmp_path / "run", out=tmp_path / "ckpt")
    model, cfg, meta = load_model(out, task="speech-codec")
    assert isinstance(model, SpeechCodec) and meta["phases"]["codec"]["steps"] == 3
    metrics = meta["metrics"]
    assert metrics["bitrate"] == pytest.approx(22050 / 512 * 2 * 4) and 0 < metrics["codes_used"] <= 1
    assert metrics["codec_mcd_db"] > 0 and metrics["codec_rtf"] > 0
