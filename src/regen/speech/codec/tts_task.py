"""The text -> codes -> speech task (`speech-codes-tts`): the duration-based converter predicting the
learned codes of a trained codec (`model.codec_checkpoint`, task `speech-codec`), rendered by that
codec's decoder (`regen.speech.codec.converter`, `regen.speech.codec.speak`). Training, sampling and
evaluation are the duration task's, speaking through `CodesSpeaker`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch import nn

from regen.core.run_config import RunConfig
from regen.core.task import TrainingPlan, register
from regen.speech.codec.converter import CodesTTS, CodesTTSConfig
from regen.speech.tts.duration.task import DurationSampleConfig, DurationTask


@dataclass
class CodesSampleConfig(DurationSampleConfig):
    """The duration task's settings plus the code sampler's `code_steps` and `code_temperature`."""

    code_steps: int = 16
    code_temperature: float = 0.7

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.code_steps < 1 or not self.code_temperature > 0:
            raise ValueError("code_steps must be >= 1 and code_temperature > 0")


@register
class CodesTTSTask(DurationTask):
    """Phones -> durations / pitch / energy -> codes -> waveform (the codec's decoder)."""

    name = "speech-codes-tts"
    model_config = CodesTTSConfig
    sample_config = CodesSampleConfig

    def build(self, cfg: RunConfig) -> nn.Module:
        return CodesTTS(cfg.model)

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        """The duration task's plan, after the frozen codec's weights are read from `model.codec_checkpoint`."""
        from regen.speech.codec.task import load_codec_weights

        if not cfg.trainer.init_from:  # a run from a checkpoint keeps the codec it already holds
            load_codec_weights(model.codec, cfg.model.codec, cfg.model.codec_checkpoint)
        plan = super().plan(cfg, model, run_dir)
        plan.data["codec_checkpoint"] = str(cfg.model.codec_checkpoint)
        return plan

    def _speaker(self, cfg: RunConfig, model: nn.Module):
        from regen.speech.codec.speak import CodesSpeaker

        return CodesSpeaker(model, cfg)

    def _say(self, speaker, cfg: RunConfig, text: str, seed: int):
        return speaker.say(text, voice=cfg.sample.voice or None, rate=cfg.sample.rate,
                           pitch_shift=cfg.sample.pitch_shift, seed=seed)

    def _setting(self, cfg: RunConfig) -> str:
        voice = f", voice {cfg.sample.voice}" if cfg.sample.voice else ""
        return f"phones input, codes sampled in {cfg.sample.code_steps} steps, codec decoder{voice}"
