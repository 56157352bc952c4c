"""Segments (melismas merged, rests, pickups, the tick grid) and their tokens, both ways."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from regen.music.melody.melodies import Melody
from regen.music.melody.segments import MAX_DURATION, Segment, close_phrases, melody_segments, reference_pitch
from regen.music.melody.syllables import lyric_syllables
from regen.music.melody.tokens import (LYRICS, NOTES, PAD, PREFIX, SLOTS, TEMPLATE, decode_notes, lyric_tokens,
                                       notes_tokens, syllable_value, template_tokens)


def test_syllabic_segments_merge_melismas_and_cut_untexted_notes(hand_melody: Melody) -> None:
    segments, dropped = melody_segments(hand_melody, 32, syllabic=True)
    assert not dropped
    first, second = segments
    assert len(first) == 5 and len(second) == 4  # the untexted notes after the rest cut the melody
    assert first.durations == (12, 12, 12, 12, 24)  # "a" keeps B for the whole melisma B-A
    assert first.pitches == (62, 67, 71, 67, 74) and first.start == 24 and first.meter == "3/4"
    assert [s.text for s in first.syllables] == ["O", "sing", "a", "long", "song"]
    assert first.ends[-1] and first.syllables[-1].punctuation == ","
    assert second.rests == (0, 0, 0, 0) and second.start == 0  # "sing" on a downbeat
    assert second.durations == (12, 6, 6, 24) and second.ends[-1]


def test_note_segments_keep_every_note_and_rest(hand_melody: Melody) -> None:
    (segment,), _ = melody_segments(hand_melody, 32, syllabic=False)
    assert len(segment) == 12 and segment.syllables is None
    assert segment.rests == (0, 0, 0, 0, 0, 0, 12, 0, 12, 0, 0, 0)
    assert segment.positions()[:3] == [24, 0, 12]
    assert segment.ends[5] and segment.ends[7]  # before each rest


def test_long_notes_and_octaves(hand_melody: Melody) -> None:
    m = hand_melody
    notes = list(m.notes)
    notes[5] = replace(notes[5], duration=10.0)  # 120 ticks: the last 24 become silence before the next note
    later = tuple(replace(n, onset=n.onset + 8.0, bar=int((n.onset + 10.0) // 3), bar_offset=(n.onset + 10.0) % 3)
                  for n in notes[6:])  # everything after it 8 quarters later, at its new place in the bar
    (segment,), _ = melody_segments(replace(m, notes=tuple(notes[:6]) + later), 32, syllabic=False)
    assert segment.durations[5] == MAX_DURATION and segment.rests[6] == 24 + 12
    low = replace(m, notes=tuple(replace(n, pitch=n.pitch - 24) if n.pitch else n for n in m.notes))
    (moved,), _ = melody_segments(low, 32, syllabic=False)
    assert moved.pitches == segment.pitches  # whole octaves put the median near the reference tonic
    assert reference_pitch(7) == 67 and reference_pitch(9) == 57


def test_phrase_ends_are_a_fixed_point(hand_melody: Melody) -> None:
    for syllabic in (True, False):
        for segment in melody_segments(hand_melody, 32, syllabic)[0]:
            assert close_phrases(segment) == segment
            rebuilt = decode_notes(notes_tokens(segment, 32))
            assert close_phrases(rebuilt) == rebuilt and rebuilt.ends == segment.ends


@pytest.mark.parametrize("syllabic", [True, False])
def test_tokens_round_trip(syllabic: bool, hand_melody: Melody) -> None:
    for segment in melody_segments(hand_melody, 16, syllabic)[0]:
        row = notes_tokens(segment, 16)
        assert row.shape == (PREFIX + SLOTS * 16,) and int(row.max()) < NOTES.size
        assert (row[PREFIX + SLOTS * len(segment):] == PAD).all()
        assert decode_notes(row) == replace(segment, syllables=None)
        template = template_tokens(segment, 16)
        body, notes = template[PREFIX:].view(16, SLOTS), row[PREFIX:].view(16, SLOTS)
        known = [TEMPLATE.value_of[body[:len(segment), k]].tolist() for k in range(3)]
        assert known[:2] == [NOTES.value_of[notes[:len(segment), k]].tolist() for k in range(2)]
        assert [d + 1 for d in known[2]] == list(segment.durations)
        cadences = (TEMPLATE.value_of[body[:len(segment), 3]] % 3).tolist()
        assert [c > 0 for c in cadences] == list(segment.ends)


def test_lyric_tokens_carry_syllable_features_only() -> None:
    syllables = lyric_syllables("Amazing grace, how sweet the sound.\nThat saved a wretch")
    row = lyric_tokens(syllables, 7, "major", "3/4", 16)
    assert row.shape == (PREFIX + 16,) and int(row.max()) < LYRICS.size
    assert (row[PREFIX + len(syllables):] == PAD).all() and (row[PREFIX:PREFIX + len(syllables)] != PAD).all()
    values = [syllable_value(s) for s in syllables]
    assert values[0] != values[1] != values[2]  # a-MA-zing: begin/unstressed, middle/stressed, end
    same_shape = lyric_syllables("Remember snow, how cold the ground.\nThat froze a wretch")
    assert [syllable_value(s) for s in same_shape] == values  # no words, only their shape
    with pytest.raises(ValueError):
        lyric_tokens(syllables, 7, "major", "3/4", 4)


def test_decoding_refuses_malformed_rows() -> None:
    segment = Segment(0, "major", "4/4", 0, (0, 0), (12, 12), (60, 62), (False, True))
    row = notes_tokens(segment, 4)
    with pytest.raises(ValueError):
        decode_notes(torch.cat([row[:1], row[:1], row[2:]]))  # a key where the meter belongs
