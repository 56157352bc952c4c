"""Callbacks: a step-indexed loss log and a checkpoint on Ctrl-C / SIGTERM."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import TQDMProgressBar


class LossLog(L.Callback):
    """Appends `step,key,value` rows to a CSV file; on resume, rows past the
    restored step are dropped so the file is one continuous curve."""

    def __init__(self, path: Path, every: int) -> None:
        self.path = path
        self.every = every

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        step = trainer.global_step
        rows = []
        if self.path.exists() and step > 0:
            with self.path.open() as fh:
                rows = [r for r in csv.reader(fh)][1:]
            rows = [r for r in rows if int(r[0]) <= step]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["step", "key", "value"])
            writer.writerows(rows)

    def _write(self, step: int, metrics: dict[str, Any], prefix: str) -> None:
        with self.path.open("a", newline="") as fh:
            writer = csv.writer(fh)
            for key, value in sorted(metrics.items()):
                if key.startswith(prefix):
                    writer.writerow([step, key, f"{float(value):.6g}"])

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        step = trainer.global_step
        if trainer.is_global_zero and (batch_idx + 1) % trainer.accumulate_grad_batches == 0 \
                and (step % self.every == 0 or step == trainer.max_steps):
            self._write(step, trainer.callback_metrics, "train/")

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.is_global_zero and not trainer.sanity_checking:
            self._write(trainer.global_step, trainer.callback_metrics, "valid/")


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
    """Rows of a LossLog file as (step, key, value)."""
    with Path(path).open() as fh:
        return [(int(r[0]), r[1], float(r[2])) for r in list(csv.reader(fh))[1:]]


def last_value(path: Path, key: str) -> float | None:
    """The last logged value of `key`, if any."""
    rows = [v for _, k, v in read_loss_log(path) if k == key]
    return rows[-1] if rows else None

