import pytest
import torch

from regen.speech.features.mel import istft, load_mel_config, stft
from regen.speech.features.stft import FramedSTFT


@pytest.mark.parametrize("name, samples", [("logmel-ch4", 5000), ("logmel-rmelnet", 9000)])
def test_framed_stft_matches_torch(name: str, samples: int) -> None:
    cfg = load_mel_config(name)
    wave = torch.randn(2, samples)
    ops = FramedSTFT(cfg.n_fft, cfg.hop_length, cfg.win_length, samples)
    spec = ops.forward(wave)
    assert spec.shape == (2, cfg.frames(samples), cfg.n_freq)
    assert torch.allclose(spec.transpose(1, 2), stft(wave, cfg), atol=1e-3)
    assert torch.allclose(ops.inverse(spec), wave, atol=1e-4)
    assert torch.allclose(ops.inverse(spec), istft(stft(wave, cfg), cfg, samples), atol=1e-4)


def test_fold_path_for_hops_that_do_not_divide_n_fft() -> None:
    wave = torch.randn(1, 3000)
    ops = FramedSTFT(512, 160, 400, 3000)
    assert torch.allclose(ops.inverse(ops.forward(wave)), wave, atol=1e-4)
