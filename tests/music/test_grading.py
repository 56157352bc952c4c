import numpy as np

from regen.music.grading import FEATURES, grade, summarize


def test_real_chorales_grade_clearly_better_than_shuffled_or_random(corpus, ref):
    rng = np.random.default_rng(0)
    test = corpus.windows("test")
    real = [grade(w, ref)["grade"] for w in test]
    shuffled = [grade(w[:, rng.permutation(w.shape[1])], ref)["grade"] for w in test]
    random = [grade(rng.integers(1, 58, size=w.shape), ref)["grade"] for w in test]
    assert np.median(real) * 2 < np.median(shuffled)
    assert np.median(shuffled) < np.median(random)
    assert np.mean(np.array(real) < np.array(shuffled)) > 0.9


def test_every_feature_is_reported(corpus, ref):
    g = grade(corpus.windows("valid")[0], ref)
    assert set(FEATURES) | {"grade"} == set(g)
    assert abs(sum(g[f] for f in FEATURES) - g["grade"]) < 1e-9
    s = summarize([g, g])
    assert s["grade"] == (g["grade"], 0.0)
