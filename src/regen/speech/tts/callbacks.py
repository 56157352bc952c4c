"""The training callback of the text -> speech tasks (a module of its own, so that loading a
model for inference does not import Lightning)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import lightning as L
import torch

from regen.speech.features.figures import save_alignment_png

if TYPE_CHECKING:
    from regen.speech.tts.task import TTSModel


class AlignmentSnapshots(L.Callback):
    """Every `every` optimizer steps, draw the teacher-forced attention of one held-out row."""

    def __init__(self, model: TTSModel, example: dict[str, torch.Tensor], folder: Path, every: int) -> None:
        self.model, self.example, self.folder, self.every = model, example, folder, every

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        step = trainer.global_step
        if step % self.every or not trainer.is_global_zero:
            return
        was_training = self.model.training
        self.model.eval()
        align = self.model.teacher_forced_alignment(self.example)[0]
        self.model.train(was_training)
        tokens = int((self.example["cond"][0].abs().sum(-1) > 0).sum())
        save_alignment_png(self.folder / f"step-{step:06d}.png", align[:, :tokens].cpu().numpy(),
                           f"teacher-forced attention, step {step}")
