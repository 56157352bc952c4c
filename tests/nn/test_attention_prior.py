"""The diagonal guided-attention prior: zero on the diagonal, large off it, chunk offsets respected."""

from __future__ import annotations

import torch

from regen.nn.attention_prior import diagonal_penalty


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
