"""Representation Mixing TTS: configs, shapes, TBPTT, overfitting a few utterances, bad input."""

from __future__ import annotations


import lightning as L
import pytest
import torch

from regen.core.errors import ConfigError, RegenError
from regen.speech.features.abstraction import LogMel
from regen.core.run_config import load_run_config
from regen.speech.features.mel import load_mel_config
from regen.speech.tts.repmix import RepMixConfig, RepMixTTS
from regen.speech.tts.text_input import text_lengths, text_to_cond

from .synthetic import HOLD, synthetic_batch

TINY = dict(n_mels=8, embed_dim=16, smrc_channels=16, smrc_stacks=2, enc_hidden=32, prenet_dim=32, attn_hidden=64,
            mixtures=3, dec_hidden=64, cell_dropout=0.0)


def train(model: RepMixTTS, batch: dict[str, torch.Tensor], steps: int, per_chunk: bool = False) -> float:
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        parts = model.tbptt_losses(batch) if per_chunk else [model.loss(batch)]
        for part in parts:
            opt.zero_grad()
            part["loss"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
    model.eval()
    with torch.no_grad():
        return float(model.loss(batch)["loss"])


@pytest.mark.parametrize("size", ["tiny", "paper"])
def test_configs_validate(size: str) -> None:
    cfg = load_run_config(f"speech/repmix-{size}")
    assert cfg.name == f"repmix-{size}"
    model = RepMixTTS(cfg.model)
    assert model.output_space.matches(LogMel(load_mel_config(f"logmel-{cfg.model.mel}")).space)
    with pytest.raises(ConfigError, match="did you mean 'model.mixtures'"):
        load_run_config(f"speech/repmix-{size}", ["model.mixture=3"])


def test_overfits_three_utterances_and_aligns_monotonically() -> None:
    torch.manual_seed(0)
    model = RepMixTTS(RepMixConfig(**TINY, tbptt=64))
    batch = synthetic_batch()
    # 2/3 is what copying the previous frame earns; 0.1 needs the text, read through the attention.
    # 150 steps reach ~0.01 (measured), so 0.1 leaves a wide margin against seeds and BLAS.
    assert train(model, batch, steps=150) < 0.1
    out = model.generate(batch["cond"], max_frames=60, tail_frames=HOLD - 1)
    tokens = text_lengths(batch["cond"])
    focus = out.alignment.argmax(-1)  # (batch, frames) most attended input symbol
    for row in range(3):
        path = focus[row, : out.lengths[row]]
        assert bool((path[1:] >= path[:-1]).all()), path  # never moves back
        assert int(path[-1]) == int(tokens[row]) - 1  # ends on the last symbol
        assert abs(int(out.lengths[row]) - int(batch["target_lengths"][row])) <= HOLD


def test_truncated_bptt_chunks_train() -> None:
    torch.manual_seed(0)
    model = RepMixTTS(RepMixConfig(**TINY, tbptt=8))
    batch = synthetic_batch()
    parts = list(model.tbptt_losses(batch))
    assert len(parts) == 4  # 27 frames in chunks of 8
    assert all(p["loss"].grad_fn is not None for p in parts)
    # One optimiser step per chunk, state carried detached. Gradients never span more than 8 frames, so it
    # converges slower than full-sequence training (measured 0.03-0.07 after 150-180 passes over 2 seeds);
    # 0.15 is still far below the 2/3 that copying the previous frame earns.
    assert train(model, batch, steps=150, per_chunk=True) < 0.15


def test_chunk_steps_carry_the_state_of_the_step_before() -> None:
    torch.manual_seed(0)
    model = RepMixTTS(RepMixConfig(**TINY, tbptt=8))
    batch = synthetic_batch()
    torch.manual_seed(5)
    whole = [float(p["loss"]) for p in model.tbptt_losses(batch)]
    torch.manual_seed(5)
    steps = [float(model.loss({**batch, "_group": torch.tensor(0), "_chunk": torch.tensor(c)})["loss"])
             for c in range(4)]
    assert steps == pytest.approx(whole, rel=1e-6)  # chunk c starts from the state chunk c - 1 left
    saved = model.carry_state()
    assert (saved["group"], saved["chunk"]) == (0, 3)
    other = RepMixTTS(RepMixConfig(**TINY, tbptt=8))
    other.load_state_dict(model.state_dict())
    torch.manual_seed(5)
    rebuilt = other.loss({**batch, "_group": torch.tensor(0), "_chunk": torch.tensor(3)})["loss"]
    assert float(rebuilt) == pytest.approx(whole[3], rel=1e-6)  # no carry: rebuilt from chunks 0-2
    other.load_carry_state(model.carry_state())
    assert other.carry_state().keys() == saved.keys()
    assert all(torch.equal(torch.as_tensor(saved[k]), torch.as_tensor(v)) for k, v in other.carry_state().items())


def test_truncated_training_resumes_mid_batch_on_the_same_curve(tmp_path) -> None:
    from regen.core.objective import Objective, Truncation
    from regen.train import PhaseConfig, TrainerConfig, fit_objective
    from regen.train.callbacks import read_loss_log

    class StopAt(L.Callback):
        def on_train_batch_end(self, trainer, *args) -> None:
            if trainer.global_step == 6:  # the next step is chunk 2 of batch 1
                raise KeyboardInterrupt

    def run(folder: str, resume: bool = False, callbacks=()) -> RepMixTTS:
        torch.manual_seed(0)
        model = RepMixTTS(RepMixConfig(**TINY, tbptt=8))
        objective = Objective("tts", model.loss, {"m": model}, ["m"], Truncation("target_lengths", 8, model))
        fit_objective(objective, batch, PhaseConfig(max_steps=12, batch_size=3, lr=3e-3, warmup=1),
                      TrainerConfig(ckpt_every=4, val_every=100, log_every=1, progress=False), tmp_path / folder,
                      seed=1, resume=resume, callbacks=callbacks)
        return model

    batch = synthetic_batch()
    straight = run("a")
    with pytest.raises(SystemExit):
        run("b", callbacks=[StopAt()])
    resumed = run("b", resume=True)
    assert all(torch.equal(a, b) for a, b in zip(straight.parameters(), resumed.parameters()))
    curve = [read_loss_log(tmp_path / f / "metrics.csv") for f in ("a", "b")]
    assert [r for r in curve[0] if r[1] == "train/loss"] == [r for r in curve[1] if r[1] == "train/loss"]
    assert len([r for r in curve[0] if r[1] == "train/loss"]) == 12  # 3 batches of 4 chunks, one step each


def test_guided_attention_prior_joins_the_loss_and_is_learned() -> None:
    torch.manual_seed(0)
    model = RepMixTTS(RepMixConfig(**TINY, tbptt=64, guided_attention=2.0))
    batch = synthetic_batch()
    parts = model.loss(batch)
    assert set(parts) == {"loss", "target", "guide"}
    assert torch.allclose(parts["loss"], parts["target"] + 2.0 * parts["guide"])
    before = float(parts["guide"])
    assert 0 < before < 1
    model.attention.zero_grad()
    parts["guide"].backward()
    assert any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in model.attention.parameters())
    train(model, batch, steps=40)
    assert float(model.loss(batch)["guide"]) < before / 2  # attention moved onto the diagonal
    assert set(RepMixTTS(RepMixConfig(**TINY)).loss(batch)) == {"loss"}  # off by default


def test_timing_prior_reads_the_batch_path() -> None:
    torch.manual_seed(0)
    cfg = dict(TINY, tbptt=64, guided_attention=1.0, reduction=2)
    diagonal, timing = RepMixTTS(RepMixConfig(**cfg)), RepMixTTS(RepMixConfig(**cfg, guided_prior="timing"))
    timing.load_state_dict(diagonal.state_dict())
    batch = synthetic_batch()
    symbols = (batch["cond"].abs().sum(-1) > 0).sum(-1)
    frames = torch.arange(batch["target"].shape[1], dtype=torch.float32)[None]
    steps = (batch["target_lengths"] + 1) // 2
    even = torch.div(frames, 2, rounding_mode="floor") / steps[:, None] * symbols[:, None]  # the diagonal per step
    torch.manual_seed(1)
    same = timing.loss({**batch, "attn_path": even})["guide"]
    torch.manual_seed(1)
    assert torch.allclose(same, diagonal.loss(batch)["guide"])
    torch.manual_seed(1)
    at_start = timing.loss({**batch, "attn_path": torch.zeros_like(even)})["guide"]  # "stay on the first symbol"
    assert not torch.allclose(at_start, same)
    assert RepMixConfig(**cfg, guided_prior="timing").timing_prior and not RepMixConfig(**cfg).timing_prior
    with pytest.raises(ValueError, match="guided_prior"):
        RepMixConfig(guided_prior="diagonl")


def test_sample_shapes_and_inference_dropout() -> None:
    torch.manual_seed(0)
    model = RepMixTTS(RepMixConfig(**TINY)).eval()
    cond = synthetic_batch()["cond"][:2]
    mel = model.sample(cond, n=2, max_frames=12)
    assert mel.shape[0] == 4 and mel.shape[2] == 8 and mel.shape[1] <= 12
    assert model.last_generated.alignment.shape == (4, mel.shape[1], cond.shape[1])
    assert not torch.allclose(mel[0], mel[1])  # the prenet keeps dropping out at inference


@pytest.mark.parametrize("converter", ["repmix", "rmelnet"])
def test_empty_text_is_a_user_error(converter: str) -> None:
    from regen.speech.tts.rmelnet import RMelNet, RMelNetConfig

    model = RepMixTTS(RepMixConfig(**TINY)) if converter == "repmix" else RMelNet(RMelNetConfig(
        tier_bins=8, embed_dim=16, enc_hidden=16, hidden=32, layers=3, mixtures=3, candidates=3, copies=2))
    for text in ("", "   "):
        with pytest.raises(RegenError, match="empty text"):
            text_to_cond([text])
    with pytest.raises(RegenError, match="empty text"):
        model.sample(torch.zeros(1, 4, 3, dtype=torch.long))
    with pytest.raises(RegenError, match="length>0"):
        model.sample(torch.zeros(1, 0, 3, dtype=torch.long))


def test_reduction_emits_several_frames_per_step() -> None:
    torch.manual_seed(0)
    model = RepMixTTS(RepMixConfig(**TINY, reduction=3))
    batch = synthetic_batch()
    # One decoder step per symbol (HOLD = reduction = 3): the step must emit that symbol's frame three
    # times. Measured ~0.02 after 150 steps; 0.2 is still far below copying's 2/3.
    assert train(model, batch, steps=150) < 0.2
    out = model.generate(batch["cond"], max_frames=12)
    assert out.mel.shape[1] % 3 == 0 and out.alignment.shape[1] == out.mel.shape[1] // 3
    assert bool((out.lengths % 3 == 0).all())


def test_statistics_normalise_targets_and_denormalise_samples() -> None:
    torch.manual_seed(0)
    model = RepMixTTS(RepMixConfig(**TINY)).eval()
    batch = synthetic_batch()
    with torch.no_grad():
        torch.manual_seed(0)
        before = float(model.loss(batch)["loss"])
        model.set_stats([5.0] * 8, [2.0] * 8)
        torch.manual_seed(0)
        after = float(model.loss(dict(batch, target=batch["target"] * 2.0 + 5.0))["loss"])
    assert abs(after - before) < 1e-5  # same normalised targets, same dropout draws: the same loss
    mel = model.sample(batch["cond"][:1], max_frames=5)
    assert abs(float(model.last_generated.mel.mean()) * 2 + 5 - float(mel.mean())) < 1e-4
