import pytest
from music21 import expressions, meter, note, stream, tie

from regen.music.melody.melodies import Dropped, melody_from_part
from regen.music.melody.template import (CADENCE_FULL, CADENCE_HALF, CADENCE_NONE, melody_template, pitch_class,
                                         scale_degree)

# (pitch or None for a rest, quarter length, lyric, syllabic, tie type, fermata) per bar; bar 0 is a pickup.
BARS = [
    [("G4", 1, "Hear", "single", None, False)],
    [("C5", 1, "the", "single", None, False), ("E5", 1, "bells", "single", None, False),
     ("G5", 2, "ring", "single", None, False)],
    [("B4", 1, "through", "single", None, False), ("D5", 1, "the", "single", None, False),
     ("F5", 0.5, "night,", "single", None, False), ("D5", 0.5, None, None, None, False),
     ("G4", 1, "and", "single", None, False)],
    [("E5", 1, "a", "begin", None, False), ("D5", 1, "gain", "end", "start", False),
     ("D5", 1, None, None, "stop", False), (None, 1, None, None, None, False)],
    [("G4", 1, "for", "single", None, False), ("B4", 1, "ev", "begin", None, False),
     ("C5", 2, "er.", "end", None, True)],
]


def hand_made_part() -> stream.Part:
    part = stream.Part()
    for number, bar in enumerate(BARS):
        measure = stream.Measure(number=number)
        if number == 0:
            measure.append(meter.TimeSignature("4/4"))
        for pitch, length, lyric, syllabic, tie_type, fermata in bar:
            event = note.Rest(quarterLength=length) if pitch is None else note.Note(pitch, quarterLength=length)
            if lyric is not None:
                event.addLyric(lyric)
                event.lyrics[0].syllabic = syllabic
            if tie_type is not None:
                event.tie = tie.Tie(tie_type)
            if fermata:
                event.expressions.append(expressions.Fermata())
            measure.append(event)
        part.append(measure)
    return part


def test_melody_reads_rhythm_pickup_ties_and_lyrics() -> None:
    melody = melody_from_part(hand_made_part(), "hand", "voice", "test", "en", ("C", "major"))
    assert melody.pickup == 1.0 and melody.meters == ((0, "4/4"),)
    assert [n.duration for n in melody.notes] == [1, 1, 1, 2, 1, 1, 0.5, 0.5, 1, 1, 2, 1, 1, 1, 2]
    assert [n.bar_offset for n in melody.notes] == [3, 0, 1, 2, 0, 1, 2, 2.5, 3, 0, 1, 3, 0, 1, 2]
    assert [n.onset for n in melody.notes][:5] == [0, 1, 2, 3, 5]
    assert melody.notes[0].beat_strength == 0.25 and melody.notes[1].beat_strength == 1.0
    assert melody.notes[10].pitch == 74 and melody.notes[10].lyric == "gain"  # the tie is merged
    assert melody.notes[11].is_rest and melody.notes[14].fermata
    assert [n.lyric for n in melody.notes if n.lyric][-2:] == ["ev", "er."]
    assert melody.syllable_count == 13 and melody.paired


def test_template_of_hand_made_melody() -> None:
    melody = melody_from_part(hand_made_part(), "hand", "voice", "test", "en", ("C", "major"))
    template = melody_template(melody)
    assert (template.tonic, template.mode, template.meter) == (0, "major", "4/4")
    notes = template.notes
    assert [n.duration for n in notes] == [n.duration for n in melody.notes]
    assert [n.rest for n in notes] == [False] * 11 + [True] + [False] * 3
    cadences = [n.cadence for n in notes]
    # "ring" (long, closes the bar) on G; end of the "night," melisma on D; D before the rest;
    # the final C with a fermata: the only cadence on the tonic.
    expected = [CADENCE_NONE] * 15
    expected[3] = expected[7] = expected[10] = CADENCE_HALF
    expected[14] = CADENCE_FULL
    assert cadences == expected
    assert [n.degree for n in notes] == [5, 1, 3, 5, 7, 2, 4, 2, 5, 3, 2, 0, 5, 7, 1]
    assert [n.chord for n in notes] == [1, 1, 1, 1, 5, 5, 5, 5, 5, 5, 5, 0, 5, 5, 1]
    assert melody_template(melody) == template  # deterministic


def test_scale_degrees_and_note_names() -> None:
    assert scale_degree(68, pitch_class("A"), "minor") == (7, 1)  # G# leading tone in A minor
    assert scale_degree(66, pitch_class("A"), "minor") == (6, 1)
    assert scale_degree(70, pitch_class("B-"), "major") == (1, 0)
    assert pitch_class("F#") == 6 and pitch_class("Bb") == 10
    with pytest.raises(ValueError):
        pitch_class("H")


def test_parts_that_are_not_one_melody_are_dropped() -> None:
    part = hand_made_part()
    for ts in part.recurse().getElementsByClass(meter.TimeSignature):
        ts.activeSite.remove(ts)
    with pytest.raises(Dropped, match="no time signature"):
        melody_from_part(part, "hand", "voice", "test", "en", ("C", "major"))
    from music21 import chord

    part = hand_made_part()
    part.getElementsByClass(stream.Measure)[1].append(chord.Chord(["C4", "E4"]))
    with pytest.raises(Dropped, match="chords"):
        melody_from_part(part, "hand", "voice", "test", "en", ("C", "major"))
