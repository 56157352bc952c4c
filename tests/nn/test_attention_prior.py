"""The guided-attention priors: zero on the expected path, large off it, chunk offsets respected; the
word-timing path through its knots."""

from __future__ import annotations

import numpy as np
import torch

from regen.nn.attention_prior import diagonal_penalty, expected_positions


def one_hot_alignment(positions: list[list[int]], inputs: int) -> torch.Tensor:
    """(batch, steps, inputs) attention putting all mass on the given input per step."""
    return torch.nn.functional.one_hot(torch.tensor(positions), inputs).float()


def test_diagonal_alignment_costs_nothing_and_reversed_costs_much() -> None:
    text, steps = torch.tensor([8]), torch.tensor([8])
    diagonal = one_hot_alignment([list(range(8))], 8)
    reversed_ = one_hot_alignment([list(range(7, -1, -1))], 8)
    assert float(diagonal_penalty(diagonal, text, steps)) == 0.0
    assert float(diagonal_penalty(reversed_, text, steps)) > 0.5


def test_padding_steps_and_inputs_do_not_count() -> None:
    # row 1 has 4 inputs and 4 steps; its padded steps attend anywhere
    weights = one_hot_alignment([list(range(8)), [0, 1, 2, 3, 7, 7, 7, 7]], 8)
    both = diagonal_penalty(weights, torch.tensor([8, 4]), torch.tensor([8, 4]))
    assert float(both) == 0.0


def test_a_chunk_keeps_its_place_on_the_diagonal() -> None:
    second_half = one_hot_alignment([[4, 5, 6, 7]], 8)
    assert float(diagonal_penalty(second_half, torch.tensor([8]), torch.tensor([8]), step_offset=4)) == 0.0
    assert float(diagonal_penalty(second_half, torch.tensor([8]), torch.tensor([8]), step_offset=0)) > 0.3


def test_gradient_pushes_mass_towards_the_diagonal() -> None:
    logits = torch.zeros(1, 6, 6, requires_grad=True)
    diagonal_penalty(logits.softmax(-1), torch.tensor([6]), torch.tensor([6])).backward()
    grad = logits.grad[0]
    assert bool((grad.diagonal() < 0).all())  # raising the diagonal logits lowers the penalty
    assert float(grad[0, 5]) > 0


def test_given_positions_replace_the_diagonal() -> None:
    text, steps = torch.tensor([8]), torch.tensor([4])
    slow_start = one_hot_alignment([[0, 1, 6, 7]], 8)  # lingers, then rushes: off the even pace
    assert float(diagonal_penalty(slow_start, text, steps)) > 0.2
    path = torch.tensor([[0.0, 1.0, 6.0, 7.0]])
    assert float(diagonal_penalty(slow_start, text, steps, positions=path)) == 0.0
    even = torch.arange(4.0)[None] / 4 * 8
    assert torch.isclose(diagonal_penalty(slow_start, text, steps, positions=even), diagonal_penalty(slow_start, text, steps))


def test_timing_path_moves_through_each_word_while_it_is_spoken() -> None:
    # two words: inputs [0, 3) spoken 0.2-0.4 s, inputs [4, 8) spoken 0.6-1.0 s; 10 inputs, 1.2 s of audio
    path = expected_positions([(0, 3), (4, 8)], [(0.2, 0.4), (0.6, 1.0)], 10, 1.2, 0.1, 12)
    assert path.shape == (12,) and path.dtype == np.float32
    np.testing.assert_allclose(path[[0, 2, 3, 4, 6, 8, 10]], [0.0, 0.0, 1.5, 3.0, 4.0, 6.0, 8.0], atol=1e-5)
    assert bool((np.diff(path) >= 0).all())
    assert 8.0 < path[11] < 10.0  # the silence after the last word moves on to the end of the text
