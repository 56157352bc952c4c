"""The stages' grammar: a rendered melody has its template's rhythm exactly, and the converter and
Direct write exactly one note (one onset) per syllable with consistent positions, untrained or not."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from regen.core.token_stage import NetConfig
from regen.music.melody.melodies import Melody
from regen.music.melody.model import LyricsMelodyModel, MelodyModelConfig
from regen.music.melody.segments import METERS, Segment, bar_ticks, melody_segments
from regen.music.melody.stages import MelodyStage
from regen.music.melody.syllables import lyric_syllables
from regen.music.melody.tokens import LYRICS as LYRIC_VOCAB
from regen.music.melody.tokens import (NOTES, PAD, PREFIX, SIZES, SLOTS, TEMPLATE, decode_notes, lyric_tokens,
                                       notes_tokens, template_tokens)

LENGTH = 12
TINY = NetConfig(d_model=16, layers=1, heads=2, dropout=0.0)
LYRICS = ["Amazing grace, how sweet the sound", "That saved a wretch like me!",
          "I once was lost, but now am found,\nwas blind, but now I see."]


def lyric_rows() -> tuple[torch.Tensor, list[int]]:
    rows, counts = [], []
    for k, text in enumerate(LYRICS):
        syllables = lyric_syllables(text)[:LENGTH]
        rows.append(lyric_tokens(syllables, (5 * k) % 12, ("major", "minor")[k % 2], ("3/4", "4/4", "6/8")[k], LENGTH))
        counts.append(len(syllables))
    return torch.stack(rows), counts


def templates(melody: Melody) -> tuple[torch.Tensor, list[Segment]]:
    segments = [s for syllabic in (True, False) for s in melody_segments(melody, LENGTH, syllabic)[0]]
    return torch.stack([template_tokens(s, LENGTH) for s in segments]), segments


def test_rendered_melodies_keep_the_template_rhythm_exactly(hand_melody: Melody) -> None:
    torch.manual_seed(0)
    renderer = MelodyStage("renderer", LENGTH, TINY)
    cond, segments = templates(hand_melody)
    out = renderer.sample(cond, n=3, temperature=1.5)
    assert out.shape == (3 * len(segments), PREFIX + SLOTS * LENGTH)
    for row, segment in zip(out, [s for s in segments for _ in range(3)]):
        sung = decode_notes(row)
        assert (sung.tonic, sung.mode, sung.meter, sung.start) == (segment.tonic, segment.mode, segment.meter,
                                                                  segment.start)
        assert (sung.rests, sung.durations, sung.ends) == (segment.rests, segment.durations, segment.ends)
        assert (row[PREFIX + SLOTS * len(segment):] == PAD).all()
        again = template_tokens(replace(sung, syllables=None), LENGTH)
        rhythm = (again[PREFIX:].view(LENGTH, SLOTS)[:, :3], template_tokens(segment, LENGTH)[PREFIX:].view(LENGTH, SLOTS)[:, :3])
        assert torch.equal(*rhythm)
    pitches = {decode_notes(r).pitches for r in out}
    assert len(pitches) > 1  # only pitches are drawn, and they are drawn


@pytest.mark.parametrize("role", ["converter", "direct"])
def test_one_note_per_syllable_and_consistent_positions(role: str) -> None:
    torch.manual_seed(1)
    stage = MelodyStage(role, LENGTH, TINY)
    rows, counts = lyric_rows()
    out = stage.sample(rows, n=4, temperature=2.0)
    vocab = TEMPLATE if role == "converter" else NOTES
    for row, count, cond in zip(out, [c for c in counts for _ in range(4)], rows.repeat_interleave(4, 0)):
        units = row[PREFIX:].view(LENGTH, SLOTS)
        assert (units != PAD).all(-1).tolist() == [k < count for k in range(LENGTH)]  # one note per syllable
        assert vocab.value_of[row[:PREFIX]].tolist() == LYRIC_VOCAB.value_of[cond[:PREFIX]].tolist()  # key, meter
        values = vocab.value_of[units[:count]]
        bar = bar_ticks(METERS[int(LYRIC_VOCAB.value_of[cond[1]])])
        durations = values[:, 2] + 1 if role == "converter" else values[:, 2] // 2 + 1
        expected = [int(values[0, 1])]
        for k in range(1, count):
            expected.append((expected[-1] + int(durations[k - 1]) + int(values[k, 0])) % bar)
        assert int(values[0, 0]) == 0 and expected[0] < bar  # no rest before the first note, inside the bar
        assert values[:, 1].tolist() == expected  # every later position follows from the rhythm


def test_loss_scores_only_drawn_tokens_among_their_kind(hand_melody: Melody) -> None:
    torch.manual_seed(2)
    renderer = MelodyStage("renderer", LENGTH, TINY)
    cond, segments = templates(hand_melody)
    target = torch.stack([notes_tokens(s, LENGTH) for s in segments])
    loss = float(renderer.loss({"cond": cond, "target": target})["loss"].detach())
    # untrained logits are nearly flat: the loss is about log(pitch values), not log(vocabulary)
    assert abs(loss - math.log(SIZES["pitch"])) < 0.5 and NOTES.size > 8 * SIZES["pitch"]


def test_model_composes_the_regenerator_and_direct() -> None:
    rows, counts = lyric_rows()
    for method in ("regen", "direct"):
        cfg = MelodyModelConfig(method=method, converter=TINY, renderer=TINY, direct=TINY)
        melodies, templates_drawn = LyricsMelodyModel(cfg, LENGTH).generate(rows, 2, 1.0)
        assert melodies.shape == (2 * len(rows), PREFIX + SLOTS * LENGTH)
        assert (templates_drawn is None) == (method == "direct")
        assert [len(decode_notes(m)) for m in melodies] == [c for c in counts for _ in range(2)]
        if templates_drawn is not None:
            for melody_row, template_row in zip(melodies, templates_drawn):
                rendered = template_tokens(decode_notes(melody_row), LENGTH)[PREFIX:].view(LENGTH, SLOTS)
                assert torch.equal(rendered[:, :3], template_row[PREFIX:].view(LENGTH, SLOTS)[:, :3])


@pytest.mark.parametrize("role", ["converter", "renderer", "direct"])
def test_real_melodies_obey_the_grammar(role: str, hand_melody: Melody) -> None:
    """Forced and derived positions of real data are what the grammar forces and derives; drawn ones are allowed."""
    segments = melody_segments(hand_melody, LENGTH, syllabic=role != "renderer")[0]
    stage = MelodyStage(role, LENGTH, TINY)
    x = torch.stack([lyric_tokens(s.syllables, s.tonic, s.mode, s.meter, LENGTH) if s.syllables else
                     template_tokens(s, LENGTH) for s in segments])
    y = torch.stack([(template_tokens if role == "converter" else notes_tokens)(s, LENGTH) for s in segments])
    forced, kinds = stage.grammar.plan(x)
    assert torch.equal(forced[kinds == -1], y[kinds == -1])
    for t in range(y.shape[1]):
        rows = kinds[:, t] == -2
        if rows.any():
            assert torch.equal(stage.grammar.derived(y[rows], t), y[rows, t])
    mask = stage.grammar.masks(kinds, y[:, 1])
    drawn = kinds >= 0
    assert drawn.any() and mask[drawn].gather(-1, y[drawn][:, None]).all()
