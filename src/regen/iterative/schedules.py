"""Schedules over sampling steps n = 0 .. N-1.

- mask schedules give the probability that a position is hidden from the model
  (treated as unknown) at step n;
- accept schedules give the probability that the model's proposal replaces the
  current token at step n (the thesis' "keep probability").
"""

from __future__ import annotations

from typing import Literal

MaskSchedule = Literal["annealed", "constant", "none"]
AcceptSchedule = Literal["triangular", "constant"]


def annealed_mask(n: int, steps: int, mask_max: float = 0.999, mask_min: float = 0.001, eta: float = 0.75) -> float:
    """Coconet's schedule: alpha_n = max(a_min, a_max - n / (eta N) (a_max - a_min))."""
    return max(mask_min, mask_max - n / (eta * steps) * (mask_max - mask_min))


def triangular_accept(n: int, steps: int) -> float:
    """Linear ramp from ~0 up to 1 at N/2 and back down to ~0 at N (SUNDAE, thesis §8.7.2)."""
    return max(1e-3, 1.0 - abs(2.0 * (n + 0.5) / steps - 1.0))


def mask_probability(kind: MaskSchedule, n: int, steps: int, mask_max: float = 0.999, mask_min: float = 0.001,
                     eta: float = 0.75, constant: float = 0.5) -> float:
    """Probability that a position is unknown at step n under schedule `kind`."""
    if kind == "annealed":
        return annealed_mask(n, steps, mask_max, mask_min, eta)
    if kind == "constant":
        return constant
    if kind == "none":
        return 1.0
    raise ValueError(f"unknown mask schedule {kind!r}; use annealed, constant or none")


def accept_probability(kind: AcceptSchedule, n: int, steps: int, constant: float = 1.0) -> float:
    """Probability that a proposal is accepted at step n under schedule `kind`."""
    if kind == "triangular":
        return triangular_accept(n, steps)
    if kind == "constant":
        return constant
    raise ValueError(f"unknown accept schedule {kind!r}; use triangular or constant")
