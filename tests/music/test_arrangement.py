"""A user's own melody comes back exactly as written: a 31-bar hymn tune in 3/4 with a one-beat pickup,
repeated notes, a tie across a bar line, rests and fermatas, harmonized by the shipped model (few steps);
the three new voices sit in its measures, named, with fermatas where the melody has them. A tune longer
than one draw is harmonized in overlapping windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from regen.core.task import load_model
from regen.music.arrangement import Arrangement, arranged_score, write_arrangement
from regen.music.grid import REST
from regen.music.scores import score_to_grid
from regen.music.tasks import MAX_STEPS, harmonize, sampler_with


def hymn(bars: int = 31, meter: str = "3/4"):
    """A G-major tune with a one-beat pickup; every 8 bars a repeated note, a tie, a fermata."""
    from music21 import expressions, key, metadata, note, stream, tie
    from music21 import meter as meters

    beats = int(meter.split("/")[0])
    rng = np.random.default_rng(1)
    scale = [67, 69, 71, 72, 74, 76, 78, 79]
    part = stream.Part()
    first = stream.Measure(number=0)
    first.append([key.Key("G"), meters.TimeSignature(meter), note.Note(62, quarterLength=1)])
    first.paddingLeft = beats - 1
    part.append(first)
    step = 3
    for b in range(1, bars + 1):
        m = stream.Measure(number=b)
        if b == bars:
            last = note.Note(67, quarterLength=beats - 1)
            last.expressions.append(expressions.Fermata())
            m.append([last, note.Rest(quarterLength=1)])
        elif b % 8 == 4:  # a repeated note, then a rest
            m.append([note.Note(scale[step], quarterLength=1) for _ in range(beats - 1)] + [note.Rest(quarterLength=1)])
        elif b % 8 == 6:  # tied over the bar line
            m.append([note.Note(scale[step], quarterLength=1) for _ in range(beats)])
            m.notes[-1].tie = tie.Tie("start")
        elif b % 8 == 7:
            held = note.Note(scale[step], quarterLength=1)
            held.tie = tie.Tie("stop")
            rest = [note.Note(scale[step - 1], quarterLength=1) for _ in range(beats - 1)]
            rest[-1].expressions.append(expressions.Fermata())
            m.append([held, *rest])
        else:
            for _ in range(beats):
                step = int(np.clip(step + rng.choice([-1, 0, 1, 1, -2]), 1, len(scale) - 1))
                m.append(note.Note(scale[step], quarterLength=1))
        part.append(m)
    score = stream.Score()
    score.insert(0, metadata.Metadata(title="hymn"))
    score.insert(0, part)
    return score


def _events(part) -> list[tuple]:
    return [(float(n.getOffsetInHierarchy(part)), float(n.quarterLength), n.pitch.midi if n.isNote else None,
             n.tie.type if n.tie else None, [type(e).__name__ for e in n.expressions])
            for n in part.flatten().notesAndRests]


@pytest.fixture(scope="module")
def model():
    net, cfg, _ = load_model("music/sunmask-conv-tiny", task="music")
    return net, sampler_with(cfg.sample, steps=4)


def test_a_hymn_tune_comes_back_exactly_with_three_voices_in_its_measures(model, tmp_path: Path) -> None:
    from music21 import converter

    net, sampler = model
    tune = hymn()
    read = score_to_grid(tune, "hymn", (1, 4))
    result = harmonize(net, read.grid, sampler, seed=0)
    paths = write_arrangement(arranged_score(Arrangement(tune, (0, None, None, None)), result.grid, "hymn"),
                              tmp_path, "hymn")
    back = converter.parse(str(paths["musicxml"]))
    assert [p.partName for p in back.parts] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert _events(back.parts[0]) == _events(tune.parts[0])  # every note, tie, rest and fermata
    melody_fermatas = {e[0] for e in _events(tune.parts[0]) if "Fermata" in e[4]}
    for part in back.parts:
        measures = list(part.getElementsByClass("Measure"))
        assert len(measures) == 32 and measures[0].paddingLeft == 2 and measures[0].duration.quarterLength == 1
        assert [ts.ratioString for ts in part.recurse().getElementsByClass("TimeSignature")] == ["3/4"]
        assert part.recurse().getElementsByClass("KeySignature")[0].sharps == 1
        assert part.flatten().highestTime == tune.parts[0].flatten().highestTime
        sounding = [(e[0], e[0] + e[1]) for e in _events(part) if "Fermata" in e[4]]
        assert all(any(a <= f < b for a, b in sounding) for f in melody_fermatas)
    bass = [e for e in _events(back.parts[3]) if e[2] is not None]
    assert len(bass) > 20  # the bass sings (four sampling steps: its notes are rough, not the point here)
    assert converter.parse(str(paths["midi"])).flatten().notes  # the MIDI reads back too


def test_a_tune_longer_than_one_draw_is_harmonized_in_overlapping_windows(model) -> None:
    net, sampler = model
    tune = hymn(bars=70, meter="4/4")
    read = score_to_grid(tune, "long hymn", (1, 4))
    assert read.grid.shape[1] > MAX_STEPS
    result = harmonize(net, read.grid, sampler, seed=0)
    assert result.grid.shape == (4, read.grid.shape[1])
    assert (result.grid[0] == read.grid[0]).all()
    sung = read.grid[0] != REST
    assert (result.grid[1:, sung] != REST).mean() > 0.8  # the lower voices sing under the melody throughout
