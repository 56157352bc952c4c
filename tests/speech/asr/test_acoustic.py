"""The CTC acoustic model: shapes, length bookkeeping, SpecAugment only in training, a tiny overfit."""

from __future__ import annotations

import torch

from regen.speech.asr.acoustic import ASRConfig, CTCRecognizer, encoded_lengths
from regen.speech.asr.decode import best_path

TINY = dict(n_mels=16, conv_channels=32, hidden=32, speech_layers=1, shared_layers=1, dropout=0.0)


def synthetic_batch(rows: int = 4) -> dict[str, torch.Tensor]:
    """Each unit u in 1..6 is a fixed random 16-bin frame held for 8 frames (2 encoder frames)."""
    g = torch.Generator().manual_seed(0)
    table = torch.randn(7, 16, generator=g) * 2
    targets = torch.randint(1, 7, (rows, 5), generator=g)
    mel = table[targets].repeat_interleave(8, dim=1)
    return {"mel": mel, "mel_lengths": torch.full((rows,), 40), "targets": targets,
            "target_lengths": torch.full((rows,), 5)}


def test_shapes_and_lengths() -> None:
    model = CTCRecognizer(ASRConfig(**TINY)).eval()
    lengths = torch.tensor([37, 20])
    log_probs, out_lengths = model(torch.randn(2, 37, 16), lengths)
    assert log_probs.shape == (2, 10, 41) and out_lengths.tolist() == [10, 5]
    assert torch.equal(out_lengths, encoded_lengths(lengths))
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(2, 10), atol=1e-5)
    assert model.head.out_features == 41 and CTCRecognizer(ASRConfig(**TINY, units="chars")).head.out_features == 29


def test_spec_augment_masks_only_while_training() -> None:
    model = CTCRecognizer(ASRConfig(**TINY, time_masks=2, time_mask_frames=5, freq_masks=1, freq_mask_bins=4))
    x = torch.ones(3, 50, 16)
    torch.manual_seed(0)
    masked = model.spec_augment(x, torch.full((3,), 50))
    assert 0 < int((masked == 0).sum()) < x.numel() // 2
    model.eval()
    a, _ = model.encode_speech(x, torch.full((3,), 50))
    b, _ = model.encode_speech(x, torch.full((3,), 50))
    assert torch.equal(a, b)


def test_a_few_utterances_are_learned() -> None:
    # CTC per unit starts near log(41) + alignment cost (> 3); 300 steps on 4 fixed rows should read them back
    torch.manual_seed(0)
    model = CTCRecognizer(ASRConfig(**TINY, time_masks=0, freq_masks=0))
    batch = synthetic_batch()
    start = float(model.loss(batch)["loss"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):
        opt.zero_grad()
        model.loss(batch)["loss"].backward()
        opt.step()
    assert start > 3.0 and float(model.loss(batch)["loss"]) < 0.1
    model.eval()
    log_probs, _ = model(batch["mel"], batch["mel_lengths"])
    assert [best_path(lp) for lp in log_probs] == batch["targets"].tolist()
