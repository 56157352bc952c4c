import numpy as np
import pytest
from music21 import note, stream

from regen.music.grid import pitch_to_token
from regen.music.scores import ScoreError, read_score, score_to_grid, write_midi, write_musicxml


def _grid():
    pitches = np.array([[72] * 8 + [74] * 8, [67] * 16, [64] * 4 + [62] * 12, [48] * 16])
    return pitch_to_token(pitches)


def _score(parts):
    score = stream.Score()
    for notes in parts:
        part = stream.Part()
        for pitch, ql in notes:
            part.append(note.Note(pitch, quarterLength=ql) if pitch else note.Rest(quarterLength=ql))
        score.insert(0, part)
    return score


def test_midi_and_musicxml_round_trip(tmp_path):
    grid = _grid()
    for path in (write_midi(grid, tmp_path / "a.mid"), write_musicxml(grid, tmp_path / "a.musicxml")):
        back = read_score(path)
        assert np.array_equal(back.grid[:, :16], grid)
    text = (tmp_path / "a.musicxml").read_text()
    for name in ("Soprano", "Alto", "Tenor", "Bass"):
        assert f"<part-name>{name}</part-name>" in text


def test_wrong_part_count_is_an_error():
    with pytest.raises(ScoreError, match="3 part"):
        score_to_grid(_score([[(60, 1)]] * 3), "x")


def test_score_without_notes_is_an_error():
    with pytest.raises(ScoreError, match="no notes|no parts"):
        score_to_grid(_score([[(None, 4)]] * 4), "x")


def test_notes_finer_than_a_sixteenth_are_quantized_with_a_warning():
    parts = [[(72, 0.125), (74, 0.875), (76, 1)]] + [[(60, 2)]] * 3
    read = score_to_grid(_score(parts), "x")
    assert any("finer than a 16th" in w for w in read.warnings)
    assert read.grid.shape == (4, 8)


def test_out_of_range_pitch_is_an_error():
    with pytest.raises(ScoreError, match="outside"):
        score_to_grid(_score([[(100, 1)]] + [[(60, 1)]] * 3), "x")


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ScoreError, match="does not exist"):
        read_score(tmp_path / "none.mid")
    with pytest.raises(ScoreError, match="neither"):
        read_score("no_such_corpus_piece_xyz")


@pytest.mark.parametrize("tonic, sharps, wanted, unwanted", [
    (68, -4, {"A-", "D-", "E-", "B-"}, {"G#", "C#", "D#", "A#"}),   # A-flat major: flats, never G#
    (64, 4, {"G#", "C#", "D#", "F#"}, {"A-", "D-", "E-", "G-"}),    # E major: sharps, never A-flat
])
def test_notes_are_spelled_in_their_key_with_its_signature(tmp_path, tonic, sharps, wanted, unwanted):
    from music21 import converter

    steps = [0, 2, 4, 5, 7, 9, 11, 12]  # the major scale, then a cadence I-V-I in the lower voices
    soprano = np.repeat([tonic + s for s in steps], 4)
    lower = [np.repeat([tonic - 5, tonic - 5, tonic - 1, tonic - 5], 8), np.repeat([tonic - 8, tonic - 10, tonic - 10, tonic - 8], 8),
             np.repeat([tonic - 24, tonic - 17, tonic - 17, tonic - 24], 8)]
    grid = pitch_to_token(np.stack([soprano, *lower]))
    path = write_musicxml(grid, tmp_path / "key.musicxml")
    score = converter.parse(path)
    names = {p.name for p in score.pitches}
    assert wanted <= names and not names & unwanted, names
    assert {ks.sharps for ks in score.recurse().getElementsByClass("KeySignature")} == {sharps}
    assert np.array_equal(read_score(path).grid[:, :32], grid)  # spelling changes names, not pitches
