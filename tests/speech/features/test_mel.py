import numpy as np
import pytest
import torch

from regen.core.errors import ConfigError
from regen.core.space import Space
from regen.speech.features.abstraction import LogMel
from regen.speech.features.mel import MelConfig, compute_stats, first_tier, load_mel_config, log_mel

from ..conftest import tone


def test_thesis_configs_parse() -> None:
    ch4 = load_mel_config("logmel-ch4")
    assert (ch4.sample_rate, ch4.n_mels, ch4.win_length, ch4.hop_length, ch4.fmin, ch4.fmax) == (22050, 80, 512, 128, 125.0, 7800.0)
    rm = load_mel_config("logmel-rmelnet")
    assert (rm.n_fft, rm.hop_length, rm.n_mels, rm.tier_time_factor, rm.tier_freq_factor) == (1200, 200, 256, 4, 8)


def test_bad_config_is_one_line_error(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nn_melz: 80\n")
    with pytest.raises(ConfigError, match="n_mels"):
        load_mel_config(path)
    path.write_text("name: x\nfmax: 20000\n")
    with pytest.raises(ConfigError, match="fmax"):
        load_mel_config(path)


@pytest.mark.parametrize("samples", [22050, 22050 + 77, 128 * 10])
def test_frame_count_and_shape(samples: int) -> None:
    cfg = load_mel_config("logmel-ch4")
    mel = log_mel(torch.randn(3, samples) * 0.1, cfg)
    assert mel.shape == (3, cfg.frames(samples), 80) == (3, 1 + samples // 128, 80)
    assert log_mel(np.zeros(samples, np.float32), cfg).min() == pytest.approx(np.log(cfg.log_floor))


def test_rmelnet_first_tier_shape() -> None:
    cfg = load_mel_config("logmel-rmelnet")
    mel = log_mel(torch.randn(1, 447 * 200) * 0.1, cfg)
    assert mel.shape == (1, 448, 256)
    assert first_tier(mel, cfg).shape == (1, 112, 32)


def test_log_mel_is_an_abstraction() -> None:
    abstraction = LogMel(load_mel_config("logmel-ch4"), gl_iterations=8)
    assert abstraction.space == Space("logmel-ch4", "continuous", (80,))
    y = torch.from_numpy(tone(0.5))[None]
    y_abs = abstraction.encode(y)
    back = abstraction.decode(y_abs)
    assert y_abs.shape == (1, 87, 80) and back.shape == (1, 86 * 128)


def test_stats_normalise_to_zero_mean_unit_std() -> None:
    cfg = MelConfig("t", n_mels=40)
    waves = [tone(0.5), tone(0.3, freqs=(300.0, 900.0))]
    stats = compute_stats(waves, cfg)
    mels = torch.cat([log_mel(w, cfg) for w in waves])
    z = stats.normalize(mels)
    assert z.mean(0).abs().max() < 1e-3 and (z.std(0, unbiased=False) - 1).abs().max() < 1e-2
    assert torch.allclose(stats.denormalize(z), mels, atol=1e-4)
