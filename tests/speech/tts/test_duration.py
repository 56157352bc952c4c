"""The duration-based converter's parts on synthetic tensors: length regulator, controls, switches,
pitch extraction and the phone input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from regen.core.errors import RegenError
from regen.speech.features.mel import load_mel_config
from regen.speech.text.mixing import TextFrontEnd
from regen.speech.tts.duration.data import interleave_voices, phone_sequence
from regen.speech.tts.duration.layers import length_regulate, phone_position
from regen.speech.tts.duration.model import DurationConfig, DurationTTS
from regen.speech.tts.duration.voices import resolve_voice, voice_mix
from regen.speech.tts.duration.pitch import frame_log_f0
from regen.speech.tts.text_input import pack_text

TINY = dict(hidden=16, encoder_layers=1, decoder_layers=1, heads=2, decoder_heads=0, conv_filter=16, conv_kernel=3,
            predictor_filter=8, variance_bins=8, postnet_layers=2, postnet_channels=8, aligner_channels=8, n_mels=12)


def batch(rows: int = 3, symbols: int = 7, frames: int = 40, seed: int = 0) -> dict[str, torch.Tensor]:
    """A padded training batch of random phones, log-mels and pitch; row 0 is the longest."""
    generator = torch.Generator().manual_seed(seed)
    cond = torch.zeros(rows, symbols, 3, dtype=torch.long)
    cond[..., 1] = torch.randint(1, 60, (rows, symbols), generator=generator)
    cond[..., 2] = 1
    cond[1:, symbols - 2:] = 0  # shorter texts
    lengths = torch.tensor([frames] + [frames - 9] * (rows - 1))
    return {"cond": cond, "target": torch.randn(rows, frames, 12, generator=generator) - 4,
            "target_lengths": lengths, "pitch": 5 + 0.1 * torch.randn(rows, frames, generator=generator),
            "speaker": torch.zeros(rows, dtype=torch.long)}


def test_length_regulator_repeats_each_state_for_its_frames() -> None:
    states = torch.randn(2, 4, 3)
    durations = torch.tensor([[2, 1, 3, 0], [1, 1, 1, 1]])
    frames, lengths = length_regulate(states, durations)
    assert lengths.tolist() == [6, 4] and frames.shape == (2, 6, 3)
    assert torch.equal(frames[0], states[0].repeat_interleave(durations[0], dim=0))
    assert torch.equal(frames[1, :4], states[1]) and frames[1, 4:].abs().sum() == 0


def test_phone_position_counts_frames_inside_each_symbol() -> None:
    position = phone_position(torch.tensor([[2, 1, 3, 0], [1, 1, 1, 1]]), 6)
    assert position.shape == (2, 6, 3)
    assert torch.allclose(position[0, :, 0], torch.tensor([0.25, 0.75, 0.5, 1 / 6, 0.5, 5 / 6]))
    assert torch.allclose(position[0, :, 0] + position[0, :, 1], torch.ones(6))
    assert position[0, 2, 2] == 0 and position[0, 3, 2] > position[0, 0, 2]  # log duration: 1 frame -> 0
    assert position[1, 4:].abs().sum() == 0  # past the row's frames


def test_phone_position_switch_adds_the_decoder_input() -> None:
    torch.manual_seed(0)
    model = DurationTTS(DurationConfig(**{**TINY, "phone_position": True}))
    assert model.position is not None and torch.isfinite(model.loss(batch())["loss"])
    assert "position.weight" not in DurationTTS(DurationConfig(**TINY)).state_dict()


def test_loss_has_every_term_and_the_switches_remove_theirs() -> None:
    torch.manual_seed(0)
    full = DurationTTS(DurationConfig(**TINY)).loss(batch())
    assert set(full) == {"loss", "mel", "postnet", "duration", "pitch", "energy", "align"}
    assert torch.isfinite(full["loss"])
    bare = DurationTTS(DurationConfig(**{**TINY, "pitch": False, "energy": False, "postnet_layers": 0}))
    assert set(bare.loss(batch())) == {"loss", "mel", "duration", "align"}
    assert bare.pitch_predictor is None and bare.energy_embed is None and bare.postnet is None


def test_rate_voice_and_pitch_shift_controls() -> None:
    torch.manual_seed(0)
    model = DurationTTS(DurationConfig(**{**TINY, "speakers": ["espeak:en-us", "festival:slt"]})).eval()
    model.set_variance_stats(np.log(8.0), (5.0, 0.2), (1.0, 1.0))
    cond = batch()["cond"][:1]
    normal = model.sample(cond)
    durations = model.last_generated.alignment.sum(1)
    assert normal.shape[1] == int(model.last_generated.lengths[0]) == int(durations.sum())
    fast = model.sample(cond, rate=2.0).shape[1]
    assert 0.4 < fast / normal.shape[1] < 0.6
    other = model.sample(cond, voice="festival:slt")
    assert other.shape != normal.shape or not torch.allclose(other, normal)
    higher = model.sample(cond, pitch_shift=12.0)  # after the durations: same length, other frames
    assert higher.shape == normal.shape and not torch.allclose(higher, normal)
    with pytest.raises(RegenError, match="unknown voice 'espeak:en-gb'; this model speaks espeak:en-us, festival:slt"):
        model.sample(cond, voice="espeak:en-gb")
    with pytest.raises(RegenError, match="unknown control"):
        model.sample(cond, temperature=0.5)
    with pytest.raises(RegenError, match="rate must be > 0"):
        model.sample(cond, rate=0.0)


def test_a_mix_of_voices_averages_their_embeddings() -> None:
    torch.manual_seed(0)
    names = ["espeak:en-us", "festival:slt"]
    model = DurationTTS(DurationConfig(**{**TINY, "speakers": names})).eval()
    model.set_variance_stats(np.log(8.0), (5.0, 0.2), (1.0, 1.0))
    cond = batch()["cond"][:1]
    assert resolve_voice(names, "slt@3, en-us@1") == "festival:slt@0.75,espeak:en-us@0.25"
    assert voice_mix(names, "slt") == {"festival:slt": 1.0}
    whole = model.sample(cond, voice="slt@1")
    assert torch.equal(whole, model.sample(cond, voice="festival:slt"))
    halves = model.speaker_index("slt@1,en-us@1", 2)
    assert halves.shape == (2, 2) and torch.allclose(halves, torch.full((2, 2), 0.5))
    table = model.speaker_table.weight
    states, _ = model.encode(cond, halves[:1])
    states_slt, _ = model.encode(cond, torch.tensor([1]))
    assert torch.allclose(states - states_slt, (table[0] - table[1]) / 2 * (cond[..., 1] > 0)[..., None], atol=1e-6)
    for bad in ("slt@", "slt@-1", "slt@nan", "@0.5", "slt@0.5,hal@0.5"):
        with pytest.raises(RegenError, match="NAME@WEIGHT|unknown voice 'hal'"):
            voice_mix(names, bad)


def test_oracle_durations_replace_the_aligner() -> None:
    model = DurationTTS(DurationConfig(**{**TINY, "durations": "oracle"}))
    rows = batch()
    rows["durations"] = torch.tensor([[4, 6, 5, 5, 6, 6, 8], [5, 5, 5, 5, 9, 0, 0], [6, 5, 5, 5, 10, 0, 0]])
    assert model.aligner is None and "align" not in model.loss(rows)
    assert model.teacher_forced_alignment(rows)[1].sum(0).tolist() == [5, 5, 5, 5, 9, 0, 0]


@pytest.mark.parametrize("change, message", [({"hidden": 15}, "even"), ({"speakers": ["slt"]}, "voice name"),
                                             ({"speakers": ["espeak:en-us", "espeak:en-us"]}, "twice"),
                                             ({"postnet_layers": 1}, "postnet_layers")])
def test_bad_model_configs_are_refused(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DurationConfig(**{**TINY, **change})


def test_pitch_of_a_tone_is_its_frequency_on_every_frame() -> None:
    mel = load_mel_config("logmel-ch4")
    t = np.arange(mel.sample_rate) / mel.sample_rate
    wave = (0.3 * np.sin(2 * np.pi * 200.0 * t)).astype(np.float32)
    wave[: mel.sample_rate // 4] = 0.0  # a silent start takes the pitch of the voiced frames after it
    log_f0 = frame_log_f0(wave, mel)
    assert len(log_f0) == mel.frames(len(wave))
    assert np.allclose(np.exp(log_f0), 200.0, rtol=0.05)


def test_phone_input_keeps_stress_word_boundaries_and_punctuation() -> None:
    seq = phone_sequence("Hello, world.", TextFrontEnd())
    assert seq.symbols() == [" ", "@HH", "@AH0", "@L", "@OW1", ",", " ", "@W", "@ER1", "@L", "@D", ".", " "]
    assert pack_text([seq]).shape == (1, 13, 3)


def test_interleaved_voices_put_every_voice_in_any_prefix() -> None:
    from types import SimpleNamespace

    items = [SimpleNamespace(speaker=v, id=f"{v}{k}") for v, n in (("slt", 3), ("kal", 2), ("f3", 1)) for k in range(n)]
    assert [i.id for i in interleave_voices(items)] == ["slt0", "kal0", "f30", "slt1", "kal1", "slt2"]
    assert {i.speaker for i in interleave_voices(items)[:3]} == {"slt", "kal", "f3"}

