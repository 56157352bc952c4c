"""The Lightning adapter: any `Objective` becomes a LightningModule."""

from __future__ import annotations

import math

import lightning as L
import torch
from torch.utils.data import DataLoader

from regen.core.errors import ConfigError
from regen.core.objective import Objective
from regen.train.config import PhaseConfig
from regen.train.data import ChunkedStepBatches, MixedStepBatches, Mixture, StepBatches, chunked

CARRY = "tbptt_carry"


def step_seed(seed: int, index: int, rank: int) -> int:
    """The RNG seed of micro-batch `index` on `rank` (dropout, noise, masks)."""
    return (seed * 2_654_435_761 + index * 40_503 + rank * 977) % (2**63 - 1)


def freeze(objective: Objective, prefixes: list[str]) -> None:
    """Keep the parameters named '<part>.<path>' under any of `prefixes` fixed; ConfigError for a prefix
    that names no parameter of the objective's trainable parts."""
    named = {f"{part}.{key}": p for part in objective.trainable
             for key, p in objective.parts[part].named_parameters()}
    for prefix in prefixes:
        hits = [p for key, p in named.items() if key == prefix or key.startswith(prefix + ".")]
        if not hits:
            parts = ", ".join(objective.trainable)
            raise ConfigError(f"frozen prefix '{prefix}' names no trained parameter; prefixes start with a part "
                              f"({parts}), e.g. '{objective.trainable[0]}.<module>'")
        for parameter in hits:
            parameter.requires_grad_(False)


class ObjectiveModule(L.LightningModule):
    """Trains `objective.trainable_parameters()` on step-indexed batches.

    Every micro-batch reseeds torch from (seed, batch index, rank), so an
    interrupted and resumed run draws the same randomness as an uninterrupted one.
    """

    def __init__(self, objective: Objective, phase: PhaseConfig, train_data: dict[str, torch.Tensor] | Mixture,
                 valid_data: dict[str, torch.Tensor] | None, seed: int, accumulate: int = 1,
                 log_every: int = 10) -> None:
        super().__init__()
        self.log_every = log_every
        self._valid_sums: dict[str, float] = {}
        self._valid_count = 0
        self.objective = objective
        self.phase = phase
        self.train_data = train_data
        self.valid_data = valid_data
        self.seed = seed
        self.accumulate = accumulate
        for name, module in objective.parts.items():
            module.requires_grad_(name in objective.trainable)
        freeze(objective, phase.frozen)

    def train_dataloader(self) -> DataLoader:
        start = self.trainer.global_step * self.accumulate
        where = dict(start=start, rank=self.trainer.global_rank, world_size=self.trainer.world_size)
        cut = self.objective.truncation
        stream: StepBatches | ChunkedStepBatches | MixedStepBatches
        if isinstance(self.train_data, Mixture):
            if cut:
                raise ValueError("truncated BPTT over a mixture of sources is not supported")
            stream = MixedStepBatches(self.train_data, self.phase.batch_size, self.seed, **where)
        elif cut:
            stream = ChunkedStepBatches(self.train_data, self.phase.batch_size, self.seed, cut.lengths_key,
                                        cut.chunk, **where)
        else:
            stream = StepBatches(self.train_data, self.phase.batch_size, self.seed, **where)
        return DataLoader(stream, batch_size=None)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        """Truncated BPTT: the state carried into the next chunk resumes with the run."""
        if self.objective.truncation:
            checkpoint[CARRY] = self.objective.truncation.carrier.carry_state()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        if self.objective.truncation and CARRY in checkpoint:
            self.objective.truncation.carrier.load_carry_state(checkpoint[CARRY])

    def val_dataloader(self) -> DataLoader | list:
        if not self.valid_data:
            return []
        return DataLoader(chunked(self.valid_data, self.phase.batch_size), batch_size=None)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        torch.manual_seed(step_seed(self.seed, int(batch.pop("_index")), self.global_rank))
        losses = self.objective.loss(batch)
        self.log("train/loss", losses["loss"].detach(), prog_bar=True, logger=False)
        step = self.global_step + 1  # the optimizer step this micro-batch contributes to
        if (batch_idx + 1) % self.accumulate == 0 and (step % self.log_every == 0 or step == self.phase.max_steps):
            self._write({f"train/{k}": float(v.detach()) for k, v in losses.items()}, step)
        return losses["loss"]

    def _write(self, metrics: dict[str, float], step: int) -> None:
        """A row of the loss log, indexed by optimizer step, written as soon as it is known (so an
        interrupt right after the step keeps it)."""
        if self.logger is not None:
            self.logger.log_metrics(metrics, step=step)

    def on_validation_epoch_start(self) -> None:
        self._valid_sums, self._valid_count = {}, 0

    def on_validation_epoch_end(self) -> None:
        if self._valid_count and not self.trainer.sanity_checking:
            self._write({k: v / self._valid_count for k, v in self._valid_sums.items()}, self.global_step)

    def _valid_losses(self, batch: dict[str, torch.Tensor], batch_idx: int) -> tuple[dict[str, torch.Tensor], int]:
        """The objective's losses on validation batch `batch_idx` (fixed randomness) and its row count."""
        torch.manual_seed(step_seed(self.seed, -1 - batch_idx, self.global_rank))
        return self.objective.loss(batch), len(next(iter(batch.values())))

    @torch.no_grad()
    def validation_loss(self) -> float:
        """The mean validation loss of the current weights, as a validation epoch computes it."""
        was_training = self.training
        self.eval()
        total, count = 0.0, 0
        for batch_idx, batch in enumerate(self.val_dataloader()):
            losses, n = self._valid_losses(batch, batch_idx)
            total, count = total + float(losses["loss"]) * n, count + n
        self.train(was_training)
        return total / max(count, 1)

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        losses, n = self._valid_losses(batch, batch_idx)
        self.log("valid/loss", losses["loss"].detach(), batch_size=n, prog_bar=True, logger=False)
        for key, value in losses.items():  # every rank validates every batch: local means are global
            self._valid_sums[f"valid/{key}"] = self._valid_sums.get(f"valid/{key}", 0.0) + float(value) * n
        self._valid_count += n

    def configure_optimizers(self) -> dict:
        params = [p for p in self.objective.trainable_parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=self.phase.lr, weight_decay=self.phase.weight_decay)
        phase = self.phase

        def factor(step: int) -> float:
            if step < phase.warmup:
                return (step + 1) / phase.warmup
            progress = min(1.0, (step - phase.warmup) / max(1, phase.max_steps - phase.warmup))
            return phase.min_lr_ratio + (1 - phase.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
