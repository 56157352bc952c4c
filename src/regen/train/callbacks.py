"""Logging and callbacks: a resumable CSV loss log, the phase progress bar, a checkpoint on Ctrl-C / SIGTERM,
a time limit that checkpoints where it stops, snapshots at fixed training minutes, the weights at the
lowest validation loss."""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.fabric.loggers.logger import rank_zero_experiment
from lightning.pytorch.callbacks import TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter
from lightning.pytorch.utilities.rank_zero import rank_zero_only


class _KeepingWriter(ExperimentWriter):
    """Lightning's CSV writer, except that an existing metrics file is kept (for a resumed run)."""

    def _check_log_dir_exists(self) -> None:
        if self._fs.isfile(self.metrics_file_path):
            with open(self.metrics_file_path, newline="") as fh:
                self.metrics_keys = sorted(csv.DictReader(fh).fieldnames or [])

    def keep_until(self, step: int) -> None:
        """Drop the rows logged after `step`, the optimizer step a run (re)starts from."""
        if not self._fs.isfile(self.metrics_file_path):
            return
        with open(self.metrics_file_path, newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if int(r["step"]) <= step]
        with open(self.metrics_file_path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=self.metrics_keys)
            writer.writeheader()
            writer.writerows(rows)


class LossLogger(CSVLogger):
    """Lightning's CSVLogger writing `run_dir/metrics.csv` (one row per logged optimizer step, one
    column per metric; `ObjectiveModule` writes the rows); a resumed run keeps the rows up to the
    step it resumes from, so the file is one continuous curve. Rows reach the file as they are
    logged (every `trainer.log_every` steps), so a killed run loses none it logged."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__(save_dir=str(run_dir), name="", version="")

    @rank_zero_only
    def log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        super().log_metrics(metrics, step)
        self.save()

    @property
    @rank_zero_experiment
    def experiment(self) -> _KeepingWriter:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = _KeepingWriter(log_dir=self.log_dir)
        return self._experiment


class TrimOnStart(L.Callback):
    """Tells the LossLogger where the run (re)starts, so rows past that step are dropped."""

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        for logger in trainer.loggers:
            if isinstance(logger, LossLogger) and trainer.is_global_zero:
                logger.experiment.keep_until(trainer.global_step)


class PhaseProgressBar(TQDMProgressBar):
    """A tqdm progress bar (the style of every other bar in regen) labelled with the training
    phase instead of an epoch counter."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    @property
    def train_description(self) -> str:
        return self.label

    def on_train_start(self, trainer: L.Trainer, *args: Any) -> None:
        """A resumed run enters its epoch part-way, without an epoch start: the bar gets the phase's
        total and label here too, so it reads e.g. 'converter: 440/1000', not 'Training: 440/?'."""
        super().on_train_start(trainer, *args)
        bar = self.train_progress_bar
        bar.reset(self.total_train_batches)
        bar.n = bar.initial = trainer.global_step * trainer.accumulate_grad_batches  # the rate counts new batches
        bar.set_description(self.label)

    def on_train_epoch_start(self, trainer: L.Trainer, *args: Any) -> None:
        super().on_train_epoch_start(trainer, *args)
        self.train_progress_bar.set_description(self.label)

    @property
    def total_train_batches(self) -> int:
        """All micro-batches of the phase, so a resumed run reads e.g. 1000/1389, not 1000/389
        (the bar counts batches from the start of the phase)."""
        return int(self.trainer.max_steps * self.trainer.accumulate_grad_batches)


class SaveOnInterrupt(L.Callback):
    """Writes `last.ckpt` when training is interrupted (Ctrl-C, SIGTERM)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def on_exception(self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException) -> None:
        if isinstance(exception, KeyboardInterrupt) and trainer.global_step > 0:
            trainer.save_checkpoint(self.path)
            if trainer.is_global_zero:
                print(f"\ninterrupted at step {trainer.global_step}; saved {self.path}; "
                      "rerun the same command with --resume to continue")


class TrainClock(L.Callback):
    """Wall-clock seconds of a phase's training (validation and checkpoints included), carried across
    resumes in the Lightning checkpoint: the time up to the checkpoint a resumed run continues from
    counts, the time lost after it does not."""

    def __init__(self) -> None:
        self.before = 0.0
        self._start: float | None = None

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return self.before + (0.0 if self._start is None else time.perf_counter() - self._start)

    def state_dict(self) -> dict[str, Any]:
        return {"seconds": self.seconds}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.before = float(state["seconds"])


class TimeLimit(TrainClock):
    """Ends a phase once it has run `minutes` of wall-clock time (a `TrainClock`: validation and
    checkpoints included, carried across resumes), after writing `path` (last.ckpt) at the step it stops
    at, so a resume with a longer limit continues from exactly there. (Lightning's own `max_time` writes
    no checkpoint when it stops, so a resume would redo the steps since the last periodic one.)"""

    def __init__(self, minutes: float, path: Path) -> None:
        super().__init__()
        self.limit, self.path = 60.0 * minutes, Path(path)
        self._step = 0

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_train_start(trainer, pl_module)
        self._step = trainer.global_step

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        stepped, self._step = trainer.global_step != self._step, trainer.global_step
        if trainer.should_stop or not stepped:  # stop only after an optimizer step (gradient accumulation)
            return
        if trainer.strategy.broadcast(self.seconds >= self.limit):  # every rank stops at the same step
            trainer.save_checkpoint(self.path)
            trainer.should_stop = True


class TimedSnapshots(L.Callback):
    """Calls `save(directory / "<m>min", info)` once the phase has trained for each of `minutes`
    (wall-clock seconds spent in training batches, carried across resumes in the Lightning
    checkpoint); `info` holds the optimizer step and the training seconds so far."""

    def __init__(self, directory: Path, minutes: tuple[float, ...],
                 save: Callable[[Path, dict[str, Any]], None]) -> None:
        self.directory, self.minutes, self.save = Path(directory), tuple(minutes), save
        self.elapsed = 0.0
        self.done: list[float] = []
        self._tick: float | None = None

    def on_train_batch_start(self, trainer: L.Trainer, *args: Any) -> None:
        self._tick = time.perf_counter()

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        if self._tick is None:
            return
        self.elapsed += time.perf_counter() - self._tick
        self._tick = None
        for mark in self.minutes:
            if mark not in self.done and self.elapsed >= 60 * mark:
                self.done.append(mark)
                if trainer.is_global_zero:
                    self.save(self.directory / f"{mark:g}min",
                              {"step": trainer.global_step, "train_seconds": round(self.elapsed, 2)})

    def state_dict(self) -> dict[str, Any]:
        return {"elapsed": self.elapsed, "done": list(self.done)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.elapsed, self.done = float(state["elapsed"]), [float(m) for m in state["done"]]


class BestWeights(L.Callback):
    """Keeps a copy of `parts`' weights at the lowest validation loss seen (every validation, and at
    the end of training a last one of the final weights unless the last step was validated);
    `restore` loads that copy back. The copy rides in the Lightning checkpoint, so a resumed run
    remembers it. With `patience_steps` > 0 training stops at a validation that many steps or more
    after the best one (`stopped` says so)."""

    def __init__(self, parts: dict[str, torch.nn.Module], patience_steps: int = 0) -> None:
        self.parts = parts
        self.patience_steps = patience_steps
        self.best, self.step = math.inf, -1
        self.weights: dict[str, dict[str, torch.Tensor]] | None = None
        self._validated = -1
        self.stopped = False

    def _offer(self, loss: float, step: int) -> None:
        self._validated = step
        if loss < self.best:
            self.best, self.step = loss, step
            self.weights = {name: {k: v.detach().cpu().clone() for k, v in part.state_dict().items()}
                            for name, part in self.parts.items()}

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        loss = trainer.callback_metrics.get("valid/loss")
        if loss is not None and not trainer.sanity_checking:
            self._offer(float(loss), trainer.global_step)
            if self.patience_steps and trainer.global_step - self.step >= self.patience_steps:
                trainer.should_stop = self.stopped = True

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._validated != trainer.global_step:
            self._offer(pl_module.validation_loss(), trainer.global_step)

    def restore(self) -> None:
        """Load the best weights seen into `parts` (nothing when no validation ran)."""
        if self.weights is not None:
            for name, part in self.parts.items():
                part.load_state_dict(self.weights[name])

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "step": self.step, "weights": self.weights}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.step, self.weights = float(state["best"]), int(state["step"]), state["weights"]


def read_loss_log(path: Path) -> list[tuple[int, str, float]]:
    """Rows of a LossLogger file (run_dir/metrics.csv) as (step, key, value), in file order."""
    with Path(path).open(newline="") as fh:
        return [(int(r["step"]), k, float(v)) for r in csv.DictReader(fh) for k, v in sorted(r.items())
                if k not in ("step", "epoch") and v != ""]


def last_value(path: Path, key: str) -> float | None:
    """The last logged value of `key`, if any."""
    rows = [v for _, k, v in read_loss_log(path) if k == key] if Path(path).is_file() else []
    return rows[-1] if rows else None
