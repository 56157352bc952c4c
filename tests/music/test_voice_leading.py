import numpy as np

from regen.music.grid import pitch_to_token
from regen.music.voice_leading import crossing_count, parallel_count, per_100_steps


def _grid(*voices):
    return pitch_to_token(np.array(voices))


def test_parallel_fifths_and_octaves_are_counted_once_per_move():
    # S and B in parallel octaves (C5/C3 -> D5/D3), A and T hold: one parallel
    grid = _grid([72, 74], [67, 67], [64, 64], [48, 50])
    assert parallel_count(grid) == 1
    # S and A in parallel fifths, T and B in parallel octaves, over two moves
    grid = _grid([67, 69, 71], [60, 62, 64], [52, 53, 55], [40, 41, 43])
    assert parallel_count(grid) == 4
    # contrary motion into a fifth from a third, and oblique motion: none
    grid = _grid([64, 67, 67], [60, 60, 62], [55, 55, 55], [48, 48, 48])
    assert parallel_count(grid) == 0


def test_a_rest_or_a_held_note_breaks_a_parallel():
    grid = _grid([72, -1, 74], [67, 67, 67], [64, 64, 64], [60, 60, 62])
    assert parallel_count(grid) == 0


def test_crossings_count_each_inverted_pair_per_step():
    ordered = _grid([72, 72], [67, 67], [60, 60], [48, 48])
    assert crossing_count(ordered) == 0
    crossed = _grid([72, 60], [67, 67], [60, 70], [48, 48])  # step 2: S under A, A under T
    assert crossing_count(crossed) == 2
    rates = per_100_steps([ordered, crossed])
    assert rates == {"parallels": 0.0, "crossings": 50.0}


def test_real_bach_has_few_faults_and_noise_many(corpus):
    bach = list(corpus.windows("test")[:20])
    noise = [np.random.default_rng(i).integers(1, 58, (4, 128)) for i in range(20)]
    real, rand = per_100_steps(bach), per_100_steps(noise)
    assert real["parallels"] < 0.5 and real["crossings"] < 2
    assert rand["parallels"] > 5 * max(real["parallels"], 0.1) and rand["crossings"] > 50
