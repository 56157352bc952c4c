import pytest
import torch

from regen.core.errors import RegenError
from regen.speech.features.inversion import griffin_lim, invert_log_mel, mel_to_magnitude
from regen.speech.features.mel import load_mel_config, log_mel, magnitude, mel_basis
from regen.speech.features.measures import spectral_convergence

from ..conftest import tone

CFG = load_mel_config("logmel-ch4")


@pytest.fixture(scope="module")
def wave() -> torch.Tensor:
    return torch.from_numpy(tone(1.0))[None]


def test_griffin_lim_round_trip_converges(wave: torch.Tensor) -> None:
    target = magnitude(wave, CFG)
    out = griffin_lim(target, CFG, iterations=64, length=wave.shape[1])
    assert out.shape == wave.shape
    assert spectral_convergence(target, magnitude(out, CFG)) < 0.08
    few = griffin_lim(target, CFG, iterations=2, length=wave.shape[1])
    assert spectral_convergence(target, magnitude(few, CFG)) > spectral_convergence(target, magnitude(out, CFG))


def test_momentum_zero_is_plain_griffin_lim_and_batched_matches(wave: torch.Tensor) -> None:
    target = magnitude(torch.cat([wave, wave * 0.5]), CFG)
    out = griffin_lim(target, CFG, iterations=16, momentum=0.0)
    single = griffin_lim(target[:1], CFG, iterations=16, momentum=0.0)
    assert out.shape[0] == 2 and spectral_convergence(target, magnitude(out, CFG)) < 0.3
    assert torch.allclose(out[0], single[0], atol=1e-4)


def test_nnls_magnitude_is_non_negative_and_fits_the_mel(wave: torch.Tensor) -> None:
    mag = magnitude(wave, CFG)
    mel = mel_basis(CFG) @ mag
    estimate = mel_to_magnitude(mel, CFG)
    assert estimate.min() >= 0
    assert torch.linalg.norm(mel_basis(CFG) @ estimate - mel) / torch.linalg.norm(mel) < 0.05


@pytest.mark.parametrize("method", ["gl", "lbfgs"])
def test_invert_log_mel_methods(wave: torch.Tensor, method: str) -> None:
    target = log_mel(wave, CFG)[0]
    out = invert_log_mel(target, CFG, method, iterations=40)
    assert out.dim() == 1 and abs(out.shape[0] - wave.shape[1]) < CFG.hop_length
    l1 = (log_mel(out, CFG)[: target.shape[0]] - target).abs().mean()
    assert l1 < 0.5


def test_bad_inputs_give_one_line_errors() -> None:
    with pytest.raises(RegenError, match="unknown inversion method 'wavenet'"):
        invert_log_mel(torch.zeros(10, 80), CFG, "wavenet")
    with pytest.raises(RegenError, match="shape"):
        invert_log_mel(torch.zeros(10, 81), CFG)
    with pytest.raises(RegenError, match="NaN"):
        invert_log_mel(torch.full((10, 80), float("nan")), CFG)
    with pytest.raises(RegenError, match="momentum"):
        griffin_lim(torch.ones(1, 257, 10), CFG, momentum=1.5)
