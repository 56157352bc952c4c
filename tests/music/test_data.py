import numpy as np

from regen.music.corpus import SPLITS, ChoraleCorpus, _load, _save
from regen.music.grid import REST, VOCAB, WINDOW, token_to_pitch, transpose_grid, windows


def test_corpus_counts_and_disjoint_splits(corpus):
    assert len(corpus.names) > 300
    ids = [set(corpus.split[s].tolist()) for s in SPLITS]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert set.union(*ids) == set(range(len(corpus.names)))


def test_tokens_in_range_and_voice_order(corpus):
    for grid in corpus.grids:
        assert grid.shape[0] == 4 and grid.min() >= 0 and grid.max() < VOCAB
        pitch = token_to_pitch(grid).astype(float)
        pitch[pitch < 0] = np.nan
        means = np.nanmean(pitch, axis=1)
        assert means[0] > means[1] > means[3] and means[2] > means[3]


def test_window_shapes_and_transpositions_stay_in_range(corpus):
    plain = corpus.windows("train")
    moved = corpus.windows("train", transpose=True)
    assert plain.shape[1:] == (4, WINDOW) and moved.shape[1:] == (4, WINDOW)
    assert 10 * len(plain) <= len(moved) <= 12 * len(plain)
    assert moved.min() >= 0 and moved.max() < VOCAB
    assert (moved != REST).any(axis=(1, 2)).all()


def test_transpose_refuses_to_leave_the_range():
    grid = np.array([[VOCAB - 2, REST], [1, 2]])
    assert transpose_grid(grid, 2) is None
    assert transpose_grid(grid, -1) is None
    assert transpose_grid(grid, 1).tolist() == [[VOCAB - 1, REST], [2, 3]]


def test_windows_drop_partial_tail():
    grid = np.ones((4, 300), dtype=np.int64)
    assert windows(grid, 128, 128).shape == (2, 4, 128)
    assert windows(grid, 128, 64).shape == (3, 4, 128)
    assert windows(grid[:, :100]).shape == (0, 4, 128)


def test_cache_round_trip(tmp_path, corpus):
    small = ChoraleCorpus(corpus.names[:5], corpus.grids[:5], {s: np.arange(5) for s in SPLITS}, "abc", 1)
    _save(small, tmp_path / "c.npz")
    back = _load(tmp_path / "c.npz", "abc")
    assert back.names == small.names and all(np.array_equal(a, b) for a, b in zip(back.grids, small.grids))


def test_fingerprint_changes_with_the_preparation_code(monkeypatch, corpus):
    import regen.music.corpus as module

    names = corpus.names[:3]
    before = module.source_fingerprint(names)
    monkeypatch.setattr(module, "PREP_VERSION", module.PREP_VERSION + 1)
    assert module.source_fingerprint(names) != before
