"""CTC decoding: best path and prefix beam search against brute-force path sums."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from regen.speech.asr.decode import best_path, prefix_beam_search


def collapse(path: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(u for k, u in enumerate(path) if u != 0 and (k == 0 or u != path[k - 1]))


def test_prefix_beam_matches_the_sum_over_all_paths() -> None:
    torch.manual_seed(0)
    log_probs = torch.randn(5, 3).log_softmax(-1)
    exact: dict[tuple[int, ...], float] = {}
    for path in itertools.product(range(3), repeat=5):
        p = math.exp(sum(float(log_probs[t, u]) for t, u in enumerate(path)))
        exact[collapse(path)] = exact.get(collapse(path), 0.0) + p
    beams = prefix_beam_search(log_probs, beam=100, prune=-100.0)
    best = max(exact, key=exact.get)
    assert beams[0][0] == best
    for units, logp in beams[:5]:
        assert math.exp(logp) == pytest.approx(exact[units], rel=1e-6)


def test_best_path_merges_repeats_and_drops_blanks() -> None:
    ids = torch.tensor([1, 1, 0, 1, 2, 2, 0, 0])
    assert best_path(torch.nn.functional.one_hot(ids, 3).float().log()) == [1, 1, 2]


def test_impossible_prefixes_are_never_returned() -> None:
    # no blank anywhere: two frames of unit 1 can only read (1,); (1, 1) needs a blank between
    log_probs = torch.tensor([[float("-inf"), 0.0], [float("-inf"), 0.0]])
    beams = prefix_beam_search(log_probs, beam=8, prune=-100.0)
    assert beams == [((1,), 0.0)]


class TableLM:
    """A word model that knows 'cat' far better than 'kat'."""

    def logprob(self, history, word):
        return {"the": -1.0, "cat": -2.0, "</s>": -0.5}.get(word, -12.0)


def spelled(frames: list[dict[str, float]], symbols: list[str]) -> torch.Tensor:
    """Log-probabilities (frames, units) from per-frame {symbol: probability}, the rest spread evenly."""
    rows = []
    for frame in frames:
        rest = (1 - sum(frame.values())) / (len(symbols) - len(frame))
        rows.append([math.log(frame.get(s, rest)) for s in symbols])
    return torch.tensor(rows)


def test_word_language_model_picks_the_spelling_it_knows() -> None:
    from regen.speech.asr.decode import word_prefix_beam_search

    symbols = ["<blank>", " ", "t", "h", "e", "c", "k", "a"]
    frames = [{"t": 0.9}, {"h": 0.9}, {"e": 0.9}, {" ": 0.9}, {"k": 0.5, "c": 0.4}, {"a": 0.9}, {"t": 0.9},
              {"<blank>": 0.9}]
    lp = spelled(frames, symbols)
    ids, words = word_prefix_beam_search(lp, symbols, TableLM(), lm_weight=1.0)
    assert words == ["the", "cat"] and "".join(symbols[i] for i in ids) == "the cat"
    _, plain = word_prefix_beam_search(lp, symbols, TableLM(), lm_weight=0.0)
    assert plain == ["the", "kat"]  # without the language model the acoustics alone decide
