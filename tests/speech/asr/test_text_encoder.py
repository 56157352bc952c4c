"""The Maestro-style text encoder: up-sampling lengths, durations from word timings, shapes."""

from __future__ import annotations

import torch

from regen.speech.asr.text_encoder import (MAX_UNIT_FRAMES, TextEncoder, TextEncoderConfig, unit_durations,
                                           upsample)
from regen.speech.asr.units import transcript
from regen.speech.text.mixing import TextFrontEnd


def test_upsample_repeats_each_unit_for_its_frames() -> None:
    vectors = torch.arange(6.0).view(2, 3, 1)
    out, lengths = upsample(vectors, torch.tensor([[1, 0, 2], [3, 1, 0]]))
    assert lengths.tolist() == [3, 4] and out.shape == (2, 4, 1)
    assert out[0, :, 0].tolist() == [0.0, 2.0, 2.0, 0.0] and out[1, :, 0].tolist() == [3.0, 3.0, 3.0, 4.0]


def test_word_timings_give_durations_that_sum_to_the_audio() -> None:
    script = transcript("the cat, sat", TextFrontEnd())  # DH AH | K AE T | S AE T
    durations = unit_durations(script, "the cat, sat", [(0.1, 0.3), (0.3, 0.6), (0.8, 1.0)], 1.2, 0.1)
    assert len(durations) == len(script.units("phones")) == 10 and sum(durations) == 12
    assert durations[:2] == [2, 1]  # 'the' up to 0.3 s (silence before it to its first phone)
    assert durations[2] == 0 and durations[6] == 2  # no gap after 'the'; 0.6-0.8 s between 'cat' and 'sat'
    assert durations[3:6] == [1, 1, 1] and sum(durations[7:]) == 4  # 'sat' to the end of the audio
    even = unit_durations(script, "the cat, sat", None, 1.2, 0.1)
    assert sum(even) == 12 and max(even) - min(even) <= 1


def test_encoder_shapes_follow_given_or_predicted_durations() -> None:
    torch.manual_seed(0)
    encoder = TextEncoder(TextEncoderConfig(embed=16, hidden=8, out_dim=12))
    units = torch.tensor([[3, 4, 1, 5], [6, 7, 0, 0]])
    frames, lengths, log_frames = encoder(units, torch.tensor([[2, 1, 0, 3], [1, 1, 5, 5]]))
    assert lengths.tolist() == [6, 2] and frames.shape == (2, 6, 12) and log_frames.shape == (2, 4)
    predicted, lengths, log_frames = encoder(units, min_frames=2)
    used = encoder.predicted_durations(log_frames, units, 2)
    assert lengths.tolist() == used.sum(-1).tolist() and predicted.shape[:2] == (2, int(lengths.max()))
    assert bool((used[units > 1] >= 2).all()) and bool((used[units == 0] == 0).all())  # phones, padding
    assert float(TextEncoder.duration_loss(log_frames, torch.tensor([[2, 1, 0, 3], [1, 1, 0, 0]]), units)) > 0


def test_predicted_durations_are_bounded_and_boundaries_get_their_minimum() -> None:
    encoder = TextEncoder(TextEncoderConfig(embed=8, hidden=4, out_dim=6))
    units = torch.tensor([[3, 1, 4, 0]])  # phone, boundary, phone, pad
    huge = torch.full((1, 4), 1e6)
    assert encoder.predicted_durations(huge, units).tolist() == [[MAX_UNIT_FRAMES, MAX_UNIT_FRAMES, MAX_UNIT_FRAMES, 0]]
    tiny = torch.full((1, 4), -5.0)
    assert encoder.predicted_durations(tiny, units, 2).tolist() == [[2, 0, 2, 0]]
    assert encoder.predicted_durations(tiny, units, 2, boundary_min=1).tolist() == [[2, 1, 2, 0]]


def test_slam_encoders_have_no_duration_head_or_refiner() -> None:
    encoder = TextEncoder(TextEncoderConfig(embed=8, hidden=4, out_dim=6, upsampling=False))
    assert encoder.duration is None and encoder.refiner is None
    assert encoder.encode(torch.tensor([[3, 1, 4]])).shape == (1, 3, 8)
