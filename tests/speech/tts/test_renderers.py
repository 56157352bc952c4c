"""Renderer stages (Griffin-Lim / L-BFGS, neural vocoder) and converting log-mels between configs."""

from __future__ import annotations

import pytest
import torch

from regen.core.errors import RegenError
from regen.speech.features.inversion import convert_log_mel
from regen.speech.features.mel import load_mel_config, log_mel
from regen.speech.tts.renderers import InversionRenderer, NeuralRenderer
from regen.speech.vocoder.wavernn import VocoderConfig, WaveRNNVocoder

from ..conftest import tone


def test_converted_log_mel_matches_direct_analysis() -> None:
    src, dst = load_mel_config("logmel-rmelnet"), load_mel_config("logmel-ch4")
    wave = tone(1.0)
    direct = log_mel(wave, dst)
    converted = convert_log_mel(log_mel(wave, src), src, dst)
    assert converted.shape[1] == 80 and abs(converted.shape[0] - direct.shape[0]) <= 2
    n = min(len(direct), len(converted))
    err = float((converted[5:n - 5] - direct[5:n - 5]).abs().mean())
    spread = float((direct - direct.mean()).abs().mean())
    # Re-analysis through a 1200-point window cannot be exact; it must keep the spectral shape (measured 0.3).
    assert err < 0.5 * spread, (err, spread)


def test_inversion_renderer_returns_audio_of_the_right_length() -> None:
    mel = load_mel_config("logmel-ch4")
    renderer = InversionRenderer(mel, "gl", iterations=4)
    wave = renderer.sample(log_mel(tone(0.5), mel)[None], n=2)
    assert wave.shape == (2, (log_mel(tone(0.5), mel).shape[0] - 1) * mel.hop_length)
    with pytest.raises(RegenError, match="nothing|no parameters"):
        renderer.loss({})
    with pytest.raises(RegenError, match="unknown inversion method"):
        InversionRenderer(mel, "magic")


def test_neural_renderer_converts_foreign_mels() -> None:
    vocoder = WaveRNNVocoder(VocoderConfig(rnn_dim=16, fc_dim=16, cond_dim=8, cond_blocks=1), 22050, "ch4").eval()
    src = load_mel_config("logmel-rmelnet")
    renderer = NeuralRenderer(vocoder, src)
    assert renderer.input_space.name == "logmel-rmelnet"
    mel = log_mel(tone(0.3), src)[None]
    wave = renderer.sample(mel, fold=256, overlap=32)
    expected = round(mel.shape[1] * src.hop_length / 128) * 128
    assert wave.shape == (1, expected) and bool(torch.isfinite(wave).all())
