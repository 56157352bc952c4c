"""The CTC acoustic model: shapes, length bookkeeping, SpecAugment only in training, a tiny overfit."""

from __future__ import annotations

import pytest
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


def test_bandwidth_augmentation_quietens_only_upper_bands_and_only_while_training() -> None:
    model = CTCRecognizer(ASRConfig(**TINY, band_limit=1.0))
    torch.manual_seed(0)
    mel = torch.randn(6, 30, 16) - 4
    low = model.limit_bandwidth(mel)
    assert torch.equal(low[:, :, :8], mel[:, :, :8])  # the cut lies in the upper half
    assert (low <= mel).all() and (low >= mel.amin(dim=(1, 2), keepdim=True)).all()
    assert (low[:, :, -1].mean(1) < mel[:, :, -1].mean(1)).all()  # every row's top band is quieter
    assert torch.equal(CTCRecognizer(ASRConfig(**TINY, band_limit=0.0)).limit_bandwidth(mel), mel)
    model.eval()
    a, _ = model.encode_speech(mel, torch.full((6,), 30))
    b, _ = model.encode_speech(mel, torch.full((6,), 30))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="band_limit"):
        ASRConfig(band_limit=1.5)


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


def grads(module: torch.nn.Module) -> float:
    return sum(float(p.grad.abs().sum()) for p in module.parameters() if p.grad is not None)


def test_text_injection_changes_only_what_it_should() -> None:
    torch.manual_seed(0)
    model = CTCRecognizer(ASRConfig(**TINY, text_injection="maestro", text_embed=16, time_masks=0, freq_masks=0))
    text = {"units": torch.tensor([[5, 6, 1, 7, 8], [9, 10, 0, 0, 0]]), "targets": torch.tensor([[5, 6, 1, 7, 8],
            [9, 10, 0, 0, 0]]), "target_lengths": torch.tensor([5, 2])}
    model.text_loss(text).backward()  # text alone: no gradient reaches the speech encoder
    assert grads(model.speech_encoder) == 0
    assert grads(model.shared_encoder) > 0 and grads(model.head) > 0 and grads(model.text_encoder) > 0
    model.zero_grad()
    paired = synthetic_batch(2)
    paired |= {"units": paired["targets"], "durations": torch.full((2, 5), 2)}
    batch = {**{f"paired/{k}": v for k, v in paired.items()}, **{f"text/{k}": v for k, v in text.items()}}
    parts = model.injection_loss(batch)
    assert set(parts) == {"loss", "speech", "consistency", "duration", "text"}
    c = model.cfg
    assert torch.allclose(parts["loss"], parts["speech"] + c.consistency_weight * parts["consistency"]
                          + c.duration_weight * parts["duration"] + c.text_weight * parts["text"])
    plain = CTCRecognizer(ASRConfig(**TINY))
    assert plain.text_encoder is None and set(plain.loss(paired)) == {"loss"}


def test_consistency_pulls_only_the_text_side() -> None:
    paired = synthetic_batch(2)
    paired |= {"units": paired["targets"], "durations": torch.full((2, 5), 2)}
    text = {"units": paired["targets"], "targets": paired["targets"], "target_lengths": paired["target_lengths"]}
    batch = {**{f"paired/{k}": v for k, v in paired.items()}, **{f"text/{k}": v for k, v in text.items()}}
    speech_grads, text_grads = [], []
    for weight in (0.0, 5.0):  # the speech encoder's gradient must not depend on the consistency weight
        torch.manual_seed(0)
        model = CTCRecognizer(ASRConfig(**TINY, text_injection="maestro", text_embed=16, consistency_weight=weight,
                                        time_masks=0, freq_masks=0))
        model.injection_loss(batch)["loss"].backward()
        speech_grads.append(torch.cat([p.grad.flatten() for p in model.speech_encoder.parameters()]))
        text_grads.append(torch.cat([p.grad.flatten() for p in model.text_encoder.refiner.parameters()]))
    assert torch.allclose(speech_grads[0], speech_grads[1])
    assert not torch.allclose(text_grads[0], text_grads[1])


def test_slam_matching_learns_to_tell_own_text_from_another() -> None:
    torch.manual_seed(0)
    model = CTCRecognizer(ASRConfig(**TINY, text_injection="slam", text_embed=16, time_masks=0, freq_masks=0))
    batch = synthetic_batch(4) | {"units": synthetic_batch(4)["targets"]}
    parts = model.loss(batch)
    assert set(parts) == {"loss", "speech", "matching"} and model.text_encoder is not None
    before = float(parts["matching"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(200):
        opt.zero_grad()
        model.loss(batch)["loss"].backward()
        opt.step()
    assert before > 0.5 and float(model.loss(batch)["matching"]) < before / 2
    model.eval()
    assert set(model.loss(batch)) == {"loss"}  # validation and transcription read speech alone


def test_a_row_reads_the_same_alone_and_beside_a_longer_one() -> None:
    torch.manual_seed(0)
    model = CTCRecognizer(ASRConfig(**TINY)).eval()
    model.set_stats(torch.full((16,), 0.5), torch.full((16,), 2.0))  # padding zeros are not the mean
    short, longer = torch.randn(1, 21, 16), torch.randn(1, 40, 16)
    alone, n = model(short, torch.tensor([21]))
    batch = torch.cat([torch.nn.functional.pad(short, (0, 0, 0, 19)), longer])
    together, lengths = model(batch, torch.tensor([21, 40]))
    assert int(lengths[0]) == int(n[0]) == 6
    torch.testing.assert_close(together[0, :6], alone[0], atol=1e-5, rtol=1e-5)


def test_slam_negative_that_is_the_row_itself_is_not_counted() -> None:
    # two rows with the same text: the rolled "negative" is the positive, so only positives may pull the
    # matching head; its bias gradient must then point up (sigmoid(s) - 1 < 0 on every counted row)
    torch.manual_seed(0)
    model = CTCRecognizer(ASRConfig(**TINY, text_injection="slam", text_embed=16, time_masks=0, freq_masks=0))
    one = synthetic_batch(1)
    batch = {k: v.repeat(2, *([1] * (v.dim() - 1))) for k, v in one.items()}
    batch["units"] = batch["targets"]
    model.loss(batch)  # the loss runs; its matching part alone:
    model.zero_grad()
    parts = model.matching_loss(batch)
    (parts["loss"] - parts["speech"]).backward()
    assert float(model.matching.bias.grad) < 0


def test_utterance_normalisation_ignores_gain_and_tilt_and_padding() -> None:
    torch.manual_seed(0)
    model = CTCRecognizer(ASRConfig(**TINY, utterance_norm=True)).eval()
    mel = torch.randn(1, 24, 16)
    tilted = mel * 1.5 + torch.linspace(-3, 1, 16)  # louder, spectrally tilted: the same after normalisation
    plain, _ = model(mel, torch.tensor([24]))
    moved, _ = model(tilted, torch.tensor([24]))
    torch.testing.assert_close(moved, plain, atol=1e-4, rtol=1e-4)
    padded, _ = model(torch.nn.functional.pad(mel, (0, 0, 0, 16), value=7.0), torch.tensor([24]))
    torch.testing.assert_close(padded[:, :6], plain, atol=1e-4, rtol=1e-4)
    global_stats = CTCRecognizer(ASRConfig(**TINY)).eval()
    global_stats.load_state_dict(model.state_dict())  # the same weights, normalised by the training statistics
    assert not torch.allclose(global_stats(tilted, torch.tensor([24]))[0], global_stats(mel, torch.tensor([24]))[0])
