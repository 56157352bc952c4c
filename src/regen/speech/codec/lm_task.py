"""The code language model task (`speech-codes-lm`): a masked denoiser over windows of a trained codec's
codes (`regen.speech.codec.language_model`), learned from audio alone: each voice's training
utterances, coded by the frozen codec and joined in id order, cut into windows of `model.window` code
frames every half window. `regen sample` continues the first held-out recordings (their first
`sample.prompt_seconds`) by `sample.seconds` and writes WAVs; `regen evaluate` reports the denoising
NLL on windows of the held-out recordings (the validation NLL of `regen.iterative`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from regen.core.errors import RegenError
from regen.core.objective import Objective
from regen.core.provenance import fingerprint
from regen.core.run_config import RunConfig
from regen.core.task import Task, TrainingPlan, register
from regen.iterative.denoising_loss import validation_nll
from regen.speech.codec.language_model import CodesLM, CodesLMConfig
from regen.speech.codec.task import load_codec_weights
from regen.speech.data.load import Item, load_audio
from regen.speech.features.mel import load_mel_config
from regen.speech.vocoder.data import load_items, split_items
from regen.train.config import PhaseConfig
from regen.train.plan import Phase


@dataclass
class CodesLMDataConfig:
    """corpus: a corpus root (every voice) or an LJSpeech folder; valid_utterances: held-out recordings
    (the corpus's test_ids when it has them) for validation and the continuation demos; max_utterances:
    the first N training utterances (0: all)."""

    corpus: str = "data/corpus-asr"
    valid_utterances: int = 24
    max_utterances: int = 0

    def __post_init__(self) -> None:
        if self.valid_utterances < 1 or self.max_utterances < 0:
            raise ValueError("valid_utterances must be >= 1 and max_utterances >= 0")


@dataclass
class CodesLMSampleConfig:
    """Continuation settings: seconds of prompt kept, seconds drawn, sampler steps and temperature."""

    prompt_seconds: float = 1.0
    seconds: float = 3.0
    steps: int = 24
    temperature: float = 0.8

    def __post_init__(self) -> None:
        if not self.prompt_seconds > 0 or not self.seconds > 0 or self.steps < 1 or not self.temperature > 0:
            raise ValueError("prompt_seconds, seconds and temperature must be > 0 and steps >= 1")


def code_windows(model: CodesLM, items: list[Item], progress: bool = False) -> torch.Tensor:
    """Windows (n, window, codebooks) of the items' codes, each voice's utterances joined in id order,
    one window every half window; RegenError when the audio holds less than one window."""
    from regen.core.progress import progress as bar

    rate, window = model.codec.mel.sample_rate, model.cfg.window
    streams: dict[str, list[torch.Tensor]] = {}
    for item in bar(sorted(items, key=lambda i: (i.speaker, i.id)), desc="coding", unit="utt", enabled=progress):
        streams.setdefault(item.speaker, []).append(model.codec.encode(load_audio(item, rate)))
    out = []
    for parts in streams.values():
        stream = torch.cat(parts)
        out += [stream[k: k + window] for k in range(0, len(stream) - window + 1, window // 2)]
    if not out:
        raise RegenError(f"the recordings hold fewer than {window} code frames "
                         f"({window / model.codec.frames_per_second:.1f} s); lower model.window")
    return torch.stack(out)


@register
class CodesLMTask(Task):
    """Masked denoising over speech codes, from unpaired audio: prompted continuation."""

    name = "speech-codes-lm"
    domain = "speech"
    model_config = CodesLMConfig
    data_config = CodesLMDataConfig
    sample_config = CodesLMSampleConfig

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"lm": PhaseConfig(max_steps=8000, batch_size=16, lr=5e-4, warmup=200)}

    def build(self, cfg: RunConfig) -> nn.Module:
        return CodesLM(cfg.model)

    def split(self, cfg: RunConfig) -> tuple[list[Item], list[Item]]:
        report = load_items(cfg.data.corpus, load_mel_config(cfg.model.codec.mel))
        train, held = split_items(report, cfg.data.valid_utterances)
        return train[: cfg.data.max_utterances or None], held

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        if not cfg.trainer.init_from:
            load_codec_weights(model.codec, cfg.model.codec, cfg.model.codec_checkpoint)
        train_items, held = self.split(cfg)
        train = {"target": code_windows(model, train_items, cfg.trainer.progress)}
        valid = {"target": code_windows(model, held)}
        objective = Objective(self.name, model.loss, {"lm": model}, ["lm"])
        data = {"corpus": str(cfg.data.corpus), "codec_checkpoint": str(cfg.model.codec_checkpoint),
                "train_utterances": len(train_items), "windows": int(len(train["target"])),
                "held_out": [i.id for i in held], "fingerprint": fingerprint(train["target"])}
        return TrainingPlan([Phase("lm", objective, train, cfg.phases["lm"], valid)], data)

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """The first `n` held-out recordings continued: prompt + continuation as one WAV each."""
        from regen.speech.data.audio import save_wav

        _, held = self.split(cfg)
        rate, files = model.codec.mel.sample_rate, []
        for k, item in enumerate(held[:n], start=1):
            wave = continue_speech(model, load_audio(item, rate), cfg.sample.prompt_seconds, cfg.sample.seconds,
                                   cfg.sample.steps, temperature or cfg.sample.temperature, seed + k)
            files.append(save_wav(out_dir / f"{k:04d}.wav", wave.numpy(), rate))
        return files

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float | str]:
        _, held = self.split(cfg)
        return {"valid_nll": validation_nll(model, code_windows(model, held), cfg.seed),
                "eval_set": f"{len(held)} held-out recordings of {cfg.data.corpus}, in windows"}


def continue_speech(model: CodesLM, wave: torch.Tensor, prompt_seconds: float, seconds: float, steps: int,
                    temperature: float, seed: int) -> torch.Tensor:
    """The first `prompt_seconds` of `wave` (samples,) at the codec's rate, continued by `seconds` of speech
    drawn through the codes: waveform (samples,), the prompt as the codec renders it included."""
    fps = model.codec.frames_per_second
    prompt_frames = max(1, round(prompt_seconds * fps))
    codes = model.codec.encode(torch.as_tensor(wave, dtype=torch.float32))
    if len(codes) < prompt_frames:
        raise RegenError(f"the recording lasts {len(codes) / fps:.2f} s; give at least {prompt_seconds:g} s of prompt")
    out = model.continue_codes(codes[:prompt_frames], max(1, round(seconds * fps)), steps, temperature, seed)
    return model.codec.decode(out)
