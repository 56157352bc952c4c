"""The Direct speech baseline: RepMix TTS regressing waveform frames."""

from __future__ import annotations

import torch

from regen.speech.tts.direct import DirectTTS
from regen.speech.tts.repmix import RepMixConfig
from regen.speech.text.symbols import CHARS

SIZES = dict(n_mels=16, embed_dim=16, smrc_channels=16, smrc_stacks=2, enc_hidden=32, prenet_dim=32,
             attn_hidden=64, mixtures=3, dec_hidden=64, cell_dropout=0.0, reduction=2)


def test_overfits_a_few_utterances_of_sample_frames() -> None:
    torch.manual_seed(0)
    model = DirectTTS(RepMixConfig(**SIZES), sample_rate=22050)
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
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(150):
        opt.zero_grad()
        loss = model.loss(batch)["loss"]
        loss.backward()
        opt.step()
    model.eval()
    # Unit-variance targets: 1.0 is the mean's score, 0.1 needs the text. Measured 0.001 (150 steps).
    with torch.no_grad():
        final = float(model.loss(batch)["loss"])
    assert final < 0.1
    wave = model.sample(cond[:1], max_frames=4)
    assert wave.dim() == 2 and wave.shape[1] % 16 == 0 and float(wave.abs().max()) <= 1.0
    assert model.output_space.name == "waveform-22050"
