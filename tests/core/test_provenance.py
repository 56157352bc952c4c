"""Training budgets read from checkpoint metadata: snapshots, phase summaries, init_from chains."""

from __future__ import annotations

import math

from regen.core.provenance import training_budget


def test_training_budget_adds_the_checkpoints_a_run_started_from() -> None:
    first = {"phases": {"acoustic": {"steps": 600, "seconds": 1200.0}}}
    second = {"phases": {"acoustic": {"steps": 300, "seconds": 600.0}}, "init_from": first}
    third = {"snapshot": {"phase": "acoustic", "step": 50, "train_seconds": 90.0}, "init_from": second}
    assert training_budget(first, "acoustic") == (1200.0, 600)
    assert training_budget(second, "acoustic") == (1800.0, 900)
    assert training_budget(third, "acoustic") == (1890.0, 950)  # a snapshot's own figures, then the chain
    seconds, steps = training_budget({}, "acoustic")
    assert steps == 0 and math.isnan(seconds)
