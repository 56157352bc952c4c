"""The Direct speech baseline: RepMix TTS predicting waveform frames, under MSE or an STFT loss."""

from __future__ import annotations

import math

import torch

from regen.core.run_config import load_run_config
from regen.core.task import get_task
from regen.speech.features.stft_loss import multi_resolution_stft_loss
from regen.speech.tts.direct import DirectConfig, DirectTTS
from regen.speech.text.symbols import CHARS

SIZES = dict(n_mels=16, embed_dim=16, smrc_channels=16, smrc_stacks=2, enc_hidden=32, prenet_dim=32,
             attn_hidden=64, mixtures=3, dec_hidden=64, cell_dropout=0.0, reduction=2)


def _fit(model, batch, steps: int) -> None:
    """`steps` Adam steps (lr 3e-3) of the model's loss on one batch."""
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        opt.zero_grad()
        model.loss(batch)["loss"].backward()
        opt.step()


def test_overfits_a_few_utterances_of_sample_frames() -> None:
    torch.manual_seed(0)
    model = DirectTTS(DirectConfig(**SIZES), sample_rate=22050)
    texts = ["ab.", "ba!", "cab"]
    table = torch.randn(len(CHARS), 16, generator=torch.Generator().manual_seed(2)) * 0.1
    cond = torch.zeros(3, 3, 3, dtype=torch.long)
    target = torch.zeros(3, 6, 16)
    for row, text in enumerate(texts):
        ids = torch.tensor(CHARS.ids(text))
        cond[row, :, 0] = ids
        target[row] = table[ids].repeat_interleave(2, 0)  # two 16-sample frames per symbol
    model.set_stats([0.0] * 16, [0.1] * 16)
    batch = {"cond": cond, "target": target}
    _fit(model, batch, 150)
    model.eval()
    # Unit-variance targets: 1.0 is the mean's score, 0.1 needs the text. Measured 0.001 (150 steps).
    with torch.no_grad():
        final = float(model.loss(batch)["loss"])
    assert final < 0.1
    wave = model.sample(cond[:1], max_frames=4)
    assert wave.dim() == 2 and wave.shape[1] % 16 == 0 and float(wave.abs().max()) <= 1.0
    assert model.output_space.name == "waveform-22050"


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_shipped_configs_train_on_the_stft_loss_with_the_mse_parameter_count() -> None:
    for name in ("direct-tiny", "direct-paper"):
        cfg = load_run_config(f"speech/{name}")
        assert cfg.model.loss == "stft"
        stft = get_task("speech-direct").build(cfg)
        mse = get_task("speech-direct").build(load_run_config(f"speech/{name}", ["model.loss=mse"]))
        assert n_params(stft) == n_params(mse) and isinstance(stft, DirectTTS)


def waves(rows: int, samples: int) -> torch.Tensor:
    """(rows, samples): a different pair of quiet tones per row."""
    t = torch.arange(samples) / 22050
    return torch.stack([1e-3 * (torch.sin(2 * math.pi * 300 * (r + 1) * t) + torch.sin(2 * math.pi * 2200 * t + r))
                        for r in range(rows)])


def test_stft_chunk_loss_is_the_waveform_loss_in_raw_units_over_valid_frames() -> None:
    model = DirectTTS(DirectConfig(**SIZES, loss="stft"))
    model.set_stats([0.0] * 16, [1e-3] * 16)
    target, pred = waves(2, 640), waves(2, 640).roll(100, dims=1) * 0.7
    valid = torch.tensor([[True] * 40, [True] * 25 + [False] * 15])
    got = model.chunk_loss(model.normalize(pred.view(2, 40, 16)), model.normalize(target.view(2, 40, 16)), valid)
    want = multi_resolution_stft_loss(pred, target, valid.repeat_interleave(16, dim=1))
    assert torch.allclose(got, want, rtol=1e-5)
    # Normalised units (1000 times louder) would score differently: the magnitude floor is absolute.
    assert not torch.allclose(got, multi_resolution_stft_loss(pred * 1e3, target * 1e3, valid.repeat_interleave(16, 1)),
                              rtol=1e-3)


def test_a_few_steps_on_the_stft_loss_lower_it_and_ignore_padding() -> None:
    torch.manual_seed(0)
    model = DirectTTS(DirectConfig(**{**SIZES, "tbptt": 8, "prenet_dropout": 0.0}, loss="stft"))
    model.set_stats([0.0] * 16, [1e-3] * 16)
    cond = torch.zeros(2, 3, 3, dtype=torch.long)
    cond[0, :, 0], cond[1, :2, 0] = torch.tensor(CHARS.ids("abc")), torch.tensor(CHARS.ids("ba"))
    target = waves(2, 40 * 16).view(2, 40, 16)
    batch = {"cond": cond, "target": target, "target_lengths": torch.tensor([40, 26])}
    garbage = target.clone()
    garbage[1, 26:] = 0.5
    with torch.no_grad():
        start = model.loss(batch)["loss"]
        assert torch.allclose(model.loss(dict(batch, target=garbage))["loss"], start)  # padding is never read
    _fit(model, batch, 15)
    with torch.no_grad():
        final = model.loss(batch)["loss"]
    # Measured 6.8 -> 4.1 (15 steps); a loss that ignored the network would stay put.
    assert float(final) < 0.8 * float(start)
