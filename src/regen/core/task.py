"""The task registry: every task plugs into the same train / sample / evaluate machinery.

A task is one `Task` subclass in its domain's package, decorated with `@register`,
and listed by name in `TASK_MODULES` (so the CLI imports only the task it needs).
The generic commands (`regen train/sample/evaluate/compare/info`) and the demo page
serve every registered task; see the README, "Adding a task".
"""

from __future__ import annotations

import difflib
import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from torch import nn

from regen.core.assets import resolve_checkpoint
from regen.core.checkpoint import Checkpoint, load_weights, read_checkpoint
from regen.core.errors import ConfigError
from regen.train.config import PhaseConfig

TASK_MODULES: dict[str, str] = {
    "image": "regen.vision.task",
    "music": "regen.music.task",
    "music-melody": "regen.music.melody.task",
    "speech-repmix": "regen.speech.tts.task",
    "speech-rmelnet": "regen.speech.tts.task",
    "speech-direct": "regen.speech.tts.task",
    "speech-duration": "regen.speech.tts.duration.task",
    "speech-vocoder": "regen.speech.vocoder.task",
    "speech-istft": "regen.speech.vocoder.task",
    "speech-codec": "regen.speech.codec.task",
    "speech-codes-tts": "regen.speech.codec.tts_task",
    "speech-duration-direct": "regen.speech.tts.duration.task",
    "speech-codes-lm": "regen.speech.codec.lm_task",
    "speech-asr": "regen.speech.asr.task",
    "text": "regen.text.task",
    "text-template": "regen.text.template_task",
}
_REGISTRY: dict[str, type["Task"]] = {}


@dataclass
class TrainingPlan:
    """What `regen train` runs: the phases in order, and a description of the data for meta.json."""

    phases: list[Any]
    data: dict[str, Any] = field(default_factory=dict)


class Task(ABC):
    """How one kind of model is built from its config, trained, sampled and evaluated.

    Class attributes: `name` (the config's `task`), `domain` (image, music, speech),
    the dataclasses of the config sections `model`, `data` and `sample`, and `demo`,
    the module whose `demo_section(out_dir) -> html` adds this task's part of the demo page.
    """

    name: ClassVar[str]
    domain: ClassVar[str]
    model_config: ClassVar[type]
    data_config: ClassVar[type]
    sample_config: ClassVar[type]
    demo: ClassVar[str | None] = None

    @abstractmethod
    def default_phases(self) -> dict[str, PhaseConfig]:
        """Every training phase this task knows, with its default optimisation."""

    def check_config(self, cfg: Any, where: str) -> None:
        """Cross-field checks of a parsed RunConfig; raise ConfigError with one line."""

    @abstractmethod
    def build(self, cfg: Any) -> nn.Module:
        """The untrained model of a RunConfig."""

    @abstractmethod
    def plan(self, cfg: Any, model: nn.Module, run_dir: Path) -> TrainingPlan:
        """Load the data and return the training phases (regen.train.phases.Phase) in order."""

    @abstractmethod
    def sample(self, cfg: Any, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """Draw `n` samples (per condition) into `out_dir` as standard files; returns them."""

    @abstractmethod
    def evaluate(self, cfg: Any, model: nn.Module) -> dict[str, float]:
        """Quality metrics on held-out data (written to meta.json after training)."""

    def load(self, ckpt: Checkpoint) -> tuple[Any, nn.Module]:
        """The checkpoint's RunConfig and its model with the weights loaded, in eval mode."""
        from regen.core.run_config import parse_run_config

        cfg = parse_run_config(ckpt.config, where=str(ckpt.path / "config.yaml"))
        return cfg, load_weights(self.build(cfg), ckpt).eval()


def register(cls: type[Task]) -> type[Task]:
    """Class decorator: make a Task subclass known under its `name`."""
    if TASK_MODULES.get(cls.name) != cls.__module__:
        raise RuntimeError(f"task '{cls.name}' must be listed in regen.core.task.TASK_MODULES as '{cls.__module__}'")
    _REGISTRY[cls.name] = cls
    return cls


def task_names() -> list[str]:
    """Names of every known task."""
    return list(TASK_MODULES)


def get_task(name: str) -> Task:
    """The registered task `name`, with a one-line error (and a suggestion) for an unknown one."""
    if name not in TASK_MODULES:
        close = difflib.get_close_matches(name, task_names(), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"known tasks: {', '.join(task_names())}"
        raise ConfigError(f"unknown task '{name}'; {hint}")
    if name not in _REGISTRY:
        importlib.import_module(TASK_MODULES[name])
    return _REGISTRY[name]()


def load_model(name_or_path: str | Path, task: str | None = None) -> tuple[nn.Module, Any, dict[str, Any]]:
    """(model in eval mode, its RunConfig, its meta) from a checkpoint directory or a shipped
    checkpoint name such as 'music/sunmask-conv-tiny'; `task`, if given, must match."""
    ckpt = read_checkpoint(resolve_checkpoint(name_or_path), task=task)
    cfg, model = get_task(ckpt.task).load(ckpt)
    return model, cfg, ckpt.meta


def open_checkpoint(name_or_path: str | Path) -> tuple[Task, Checkpoint]:
    """A checkpoint (directory or shipped name) and the task that made it."""
    ckpt = read_checkpoint(resolve_checkpoint(name_or_path))
    return get_task(ckpt.task), ckpt


def demo_modules() -> list[str]:
    """The demo-section modules of all tasks, each once, in registry order."""
    out: list[str] = []
    for name in task_names():
        module = get_task(name).demo
        if module and module not in out:
            out.append(module)
    return out
