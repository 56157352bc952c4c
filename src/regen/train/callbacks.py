"""Logging and callbacks: a resumable CSV loss log, the phase progress bar, a checkpoint on Ctrl-C / SIGTERM."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import lightning as L
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


def read_loss_log(path: Path) -> list[tuple[int, str, float]]:
    """Rows of a LossLogger file (run_dir/metrics.csv) as (step, key, value), in file order."""
    with Path(path).open(newline="") as fh:
        return [(int(r["step"]), k, float(v)) for r in csv.DictReader(fh) for k, v in sorted(r.items())
                if k not in ("step", "epoch") and v != ""]


def last_value(path: Path, key: str) -> float | None:
    """The last logged value of `key`, if any."""
    rows = [v for _, k, v in read_loss_log(path) if k == key] if Path(path).is_file() else []
    return rows[-1] if rows else None
