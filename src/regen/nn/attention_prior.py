"""Guided-attention priors: where on the input a decoder step of a speech model should attend.

Speech reads text left to right, so decoder step t should attend near an expected input position
p_t. The prior penalises attention far from it:

    W[t, n] = 1 - exp(-((n - p_t) / N)^2 / (2 g^2)),     penalty = mean over valid steps of sum_n A[t, n] W[t, n]

with N each row's text length and width g (0.2 in Tachibana et al., 2018, "Efficiently trainable
text-to-speech"). Two sources of p_t:

- **diagonal** (Tachibana et al.): an even pace, p_t = (t / T) N with T the row's decoder steps;
- **timing**: the voice's own word timings (`expected_positions`): within a word spoken from a to b
  seconds and spelled by inputs [s, e), p moves linearly from s to e; across pauses and
  separators it moves on linearly to the next word's first input.

Added to the loss with a small weight, either speeds up the alignment learning that attention TTS
otherwise spends most of its early training on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def diagonal_penalty(weights: torch.Tensor, text_lengths: torch.Tensor, step_lengths: torch.Tensor,
                     step_offset: int = 0, width: float = 0.2, positions: torch.Tensor | None = None) -> torch.Tensor:
    """Mean attention mass away from the expected position (a scalar).

    weights (batch, steps, inputs): attention per decoder step (rows sum to 1 over the valid inputs);
    text_lengths (batch,): valid inputs per row; step_lengths (batch,): each row's total decoder steps
    (of the whole utterance, so a TBPTT chunk starting at step `step_offset` keeps its place).
    positions (batch, steps): the expected input position of each of these steps (the timing
    prior); None: the even-pace diagonal. Steps at or beyond a row's length do not count.
    """
    batch, steps, inputs = weights.shape
    t = (torch.arange(steps, device=weights.device, dtype=torch.float32) + step_offset)[None, :, None]
    n = torch.arange(inputs, device=weights.device, dtype=torch.float32)[None, None, :]
    text = text_lengths.to(weights.device).float().clamp_min(1)[:, None, None]
    total = step_lengths.to(weights.device).float().clamp_min(1)[:, None, None]
    expected = t / total * text if positions is None else positions.to(weights.device).float()[..., None]
    prior = 1 - torch.exp(-(((n - expected) / text) ** 2) / (2 * width**2))
    valid = (t[..., 0] < total[..., 0]).float()  # (batch, steps)
    per_step = (weights.float() * prior).sum(-1)
    return (per_step * valid).sum() / valid.sum().clamp_min(1)


def expected_positions(word_inputs: Sequence[tuple[int, int]], word_seconds: Sequence[tuple[float, float]],
                       inputs: int, seconds: float, frame_seconds: float, frames: int) -> np.ndarray:
    """Expected input position of every output frame (frames,) float32, from word timings.

    word_inputs: per word, its inputs [s, e) in the text sequence of `inputs` symbols; word_seconds:
    per word, (start, end) seconds from the start of the audio of `seconds`; frame f lies at
    f * frame_seconds. Knots (0 s, 0), (a_w, s_w), (b_w, e_w) ..., (seconds, inputs), linear between.
    """
    if len(word_inputs) != len(word_seconds):
        raise ValueError(f"{len(word_inputs)} words of text but {len(word_seconds)} timed words")
    times, places = [0.0], [0.0]
    for (s, e), (a, b) in zip(word_inputs, word_seconds):
        a, b = max(a, times[-1]), max(b, a, times[-1])
        times += [a, b]
        places += [float(s), float(e)]
    times.append(max(seconds, times[-1]))
    places.append(float(inputs))
    when = np.arange(frames, dtype=np.float64) * frame_seconds
    return np.interp(when, np.asarray(times), np.asarray(places)).astype(np.float32)
