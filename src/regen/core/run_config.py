"""The one run-config shape every task shares: model / data / phases / trainer / sample.

```yaml
task: image            # a registered task (regen.core.task)
name: digits-vq-tiny   # runs/<name>/ by default
seed: 0
model: {...}           # the task's model config (its dataclass)
data: {...}            # the task's data config
phases:                # one PhaseConfig per training phase the task knows
  renderer: {max_steps: 1000, batch_size: 64, lr: 0.002}
trainer: {...}         # TrainerConfig: hardware, precision, checkpoints
sample: {...}          # the task's sampling/evaluation settings
```
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from regen.core.config import apply_overrides, parse, read_yaml, to_dict
from regen.core.errors import ConfigError
from regen.train.config import PhaseConfig, TrainerConfig


@dataclass
class RunConfig:
    """A validated run config; `model`, `data` and `sample` are the task's own dataclasses."""

    task: str
    name: str
    seed: int
    model: Any
    data: Any
    phases: dict[str, PhaseConfig]
    trainer: TrainerConfig
    sample: Any


SECTIONS = tuple(f.name for f in fields(RunConfig))


def parse_run_config(raw: dict[str, Any], where: str) -> RunConfig:
    """Validate a run-config mapping against the task it names."""
    from regen.core.task import get_task, task_names

    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must hold a YAML mapping of keys to values")
    for key in raw:
        if key not in SECTIONS:
            close = difflib.get_close_matches(str(key), SECTIONS, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else "valid keys: " + ", ".join(SECTIONS)
            raise ConfigError(f"{where}: unknown key '{key}'; {hint}")
    if "task" not in raw:
        raise ConfigError(f"{where}: missing key 'task' (one of {', '.join(task_names())}); "
                          "start from a shipped config, e.g. `regen train image/digits-vq-tiny`")
    task = get_task(str(raw["task"]))
    if not isinstance(raw.get("name"), str) or not raw["name"].strip():
        raise ConfigError(f"{where}: 'name' must be a non-empty string (it names the run folder)")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"{where}: 'seed' must be a non-negative integer, got {seed!r}")
    phases_raw = raw.get("phases") or {}
    if not isinstance(phases_raw, dict):
        raise ConfigError(f"{where}: 'phases' must be a mapping of phase names to settings")
    defaults = task.default_phases()
    phases = {}
    for name, given in phases_raw.items():
        if name not in defaults:
            close = difflib.get_close_matches(str(name), list(defaults), n=1, cutoff=0.5)
            hint = f"did you mean 'phases.{close[0]}'?" if close else f"{task.name} phases: {', '.join(defaults)}"
            raise ConfigError(f"{where}: unknown phase 'phases.{name}'; {hint}")
        if not isinstance(given, dict):
            raise ConfigError(f"{where}: 'phases.{name}' must be a mapping, e.g. {{max_steps: 100}}")
    for name, default in defaults.items():
        merged = {**to_dict(default), **(phases_raw.get(name) or {})}
        phases[name] = parse(PhaseConfig, merged, where, key=f"phases.{name}")
    cfg = RunConfig(task=task.name, name=raw["name"].strip(), seed=seed,
                    model=parse(task.model_config, raw.get("model"), where, key="model"),
                    data=parse(task.data_config, raw.get("data"), where, key="data"),
                    phases=phases,
                    trainer=parse(TrainerConfig, raw.get("trainer"), where, key="trainer"),
                    sample=parse(task.sample_config, raw.get("sample"), where, key="sample"))
    task.check_config(cfg, where)
    return cfg


def load_run_config(name_or_path: str | Path, overrides: list[str] | None = None) -> RunConfig:
    """Read a run config (a file or a shipped name such as 'speech/repmix-tiny'), apply
    `key.path=value` overrides and validate it for its task."""
    return parse_run_config(apply_overrides(read_yaml(name_or_path), list(overrides or [])), str(name_or_path))
