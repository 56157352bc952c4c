"""Monotonic alignment search: valid paths, the known best path, and agreement with brute force."""

from __future__ import annotations

import itertools

import pytest
import torch

from regen.core.errors import RegenError
from regen.speech.align.mas import durations_to_path, monotonic_alignment_search, path_durations


def brute_force(scores: torch.Tensor) -> tuple[float, torch.Tensor]:
    """(best summed score, its durations) over every split of the frames into one run per symbol."""
    symbols, frames = scores.shape
    best, best_durations = float("-inf"), None
    for cuts in itertools.combinations(range(1, frames), symbols - 1):
        bounds = (0, *cuts, frames)
        durations = torch.tensor([b - a for a, b in zip(bounds, bounds[1:])])
        total = float((durations_to_path(durations[None], frames)[0] * scores).sum())
        if total > best:
            best, best_durations = total, durations
    return best, best_durations


def test_paths_are_monotonic_complete_and_cover_every_frame_once() -> None:
    torch.manual_seed(0)
    scores = torch.randn(3, 7, 40)
    symbols, frames = torch.tensor([7, 4, 1]), torch.tensor([40, 25, 9])
    path = monotonic_alignment_search(scores, symbols, frames)
    durations = path_durations(path)
    for row in range(3):
        n, t = int(symbols[row]), int(frames[row])
        assert torch.equal(path[row, :, :t].sum(0), torch.ones(t))  # one symbol per frame
        assert path[row, :, t:].sum() == 0 and path[row, n:].sum() == 0  # padding never visited
        assert bool((durations[row, :n] >= 1).all()) and int(durations[row].sum()) == t
        owner = path[row, :, :t].argmax(0)
        assert owner[0] == 0 and owner[-1] == n - 1 and bool((owner.diff() >= 0).all() and (owner.diff() <= 1).all())
        assert torch.equal(durations_to_path(durations[row: row + 1, :n], t)[0], path[row, :n, :t])


def test_finds_the_known_best_path_of_a_hand_made_matrix() -> None:
    # three symbols, six frames: the high scores lie on symbol 0 for 2 frames, 1 for 3, 2 for 1
    scores = torch.tensor([[5.0, 5.0, 0.0, 0.0, 0.0, 0.0],
                           [0.0, 1.0, 5.0, 5.0, 5.0, 0.0],
                           [0.0, 0.0, 0.0, 1.0, 0.0, 5.0]])
    path = monotonic_alignment_search(scores[None], torch.tensor([3]), torch.tensor([6]))
    assert path_durations(path)[0].tolist() == [2, 3, 1]


def test_a_single_symbol_takes_every_frame_and_equal_sizes_give_the_diagonal() -> None:
    one = monotonic_alignment_search(torch.randn(1, 1, 5), torch.tensor([1]), torch.tensor([5]))
    assert path_durations(one)[0].tolist() == [5]
    square = monotonic_alignment_search(torch.randn(1, 4, 4), torch.tensor([4]), torch.tensor([4]))
    assert torch.equal(square[0], torch.eye(4))


@pytest.mark.parametrize("seed", range(8))
def test_agrees_with_brute_force_on_random_small_matrices(seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    symbols, frames = 2 + seed % 3, 6 + seed % 4
    scores = torch.randn(symbols, frames, generator=generator)
    best, durations = brute_force(scores)
    path = monotonic_alignment_search(scores[None], torch.tensor([symbols]), torch.tensor([frames]))
    assert float((path[0] * scores).sum()) == pytest.approx(best, abs=1e-5)
    assert path_durations(path)[0].tolist() == durations.tolist()  # random scores: the best is unique


def test_a_padded_row_finds_its_own_best_path() -> None:
    torch.manual_seed(1)
    small = torch.randn(3, 8)
    padded = torch.randn(2, 5, 12)
    padded[1, :3, :8] = small
    path = monotonic_alignment_search(padded, torch.tensor([5, 3]), torch.tensor([12, 8]))
    assert path_durations(path)[1, :3].tolist() == brute_force(small)[1].tolist()


def test_more_symbols_than_frames_is_refused_in_one_line() -> None:
    with pytest.raises(RegenError, match="1 <= symbols <= frames"):
        monotonic_alignment_search(torch.zeros(1, 5, 4), torch.tensor([5]), torch.tensor([4]))
