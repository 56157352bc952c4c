"""The vocoder tasks: the neural renderers Y' (log-mel) -> Y (waveform), trained on audio alone
from `data.corpus`: `speech-vocoder` (WaveRNN, `regen.speech.vocoder.wavernn`) and `speech-istft`
(the iSTFT vocoder, `regen.speech.vocoder.istft`). Both read the same aligned (log-mel, audio) chunks.

`regen sample` renders the log-mels that the shipped RepMix converter draws for held-out
sentences (X -> Y' -> Y with this renderer); `regen evaluate` compares copy-synthesis of
held-out recordings with Griffin-Lim (log-mel cepstral distance, spectral convergence) and
measures speed; when `data.corpus` is not on this machine (a fresh clone), the held-out
sentences are read by `data.voice` into the cache once (`regen.speech.data.eval_corpus`),
and `eval_set` says which set.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from regen.core.errors import ConfigError
from regen.core.objective import Objective
from regen.core.provenance import fingerprint
from regen.core.run_config import RunConfig
from regen.core.progress import progress as progress_bar
from regen.core.task import Task, TrainingPlan, register
from regen.speech.data.eval_corpus import evaluation_items
from regen.speech.data.load import Item, load_audio
from regen.speech.features.inversion import invert_log_mel
from regen.speech.features.mel import MelConfig, load_mel_config, log_mel
from regen.speech.vocoder.data import STATS_FILE, load_items, mel_stats, segments, split_items
from regen.speech.vocoder.istft import ISTFTVocoder, ISTFTVocoderConfig
from regen.speech.vocoder.wavernn import VocoderConfig, VocoderDataConfig, WaveRNNVocoder
from regen.train.config import PhaseConfig
from regen.train.plan import Phase

CONVERTER = "speech/repmix-tiny"


def vocoder_mel(model: VocoderConfig | ISTFTVocoderConfig) -> MelConfig:
    """The model's mel config; ConfigError unless its bands and hop agree with the model."""
    mel = load_mel_config(model.mel)
    if (mel.n_mels, mel.hop_length) != (model.n_mels, model.hop):
        raise ConfigError(f"model.n_mels/hop ({model.n_mels}, {model.hop}) disagree with mel config "
                          f"'{model.mel}' ({mel.n_mels}, {mel.hop_length})")
    return mel


def check_vocoder_mel(cfg: RunConfig, where: str) -> None:
    """`vocoder_mel`'s check as a config error that names where the config came from."""
    try:
        vocoder_mel(cfg.model)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


@dataclass
class VocoderSampleConfig:
    """eval_utterances: held-out recordings copy-synthesised by `regen evaluate`."""

    eval_utterances: int = 3

    def __post_init__(self) -> None:
        if self.eval_utterances < 1:
            raise ValueError("eval_utterances must be >= 1")


@register
class VocoderTask(Task):
    """WaveRNN-style mel -> waveform renderer, trained on audio alone."""

    name = "speech-vocoder"
    domain = "speech"
    model_config = VocoderConfig
    data_config = VocoderDataConfig
    sample_config = VocoderSampleConfig
    phase = "vocoder"  # the name of the one training phase

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"vocoder": PhaseConfig(max_steps=3000, batch_size=16, lr=2e-3)}

    def check_config(self, cfg: RunConfig, where: str) -> None:
        need = cfg.model.train_frames + 2 * cfg.model.context_frames + 1
        if cfg.data.chunk_frames < need:
            raise ConfigError(f"{where}: data.chunk_frames {cfg.data.chunk_frames} must be >= {need} "
                              "(train_frames plus the context network's frames on each side, plus one)")
        check_vocoder_mel(cfg, where)

    def build(self, cfg: RunConfig) -> nn.Module:
        mel = vocoder_mel(cfg.model)
        return WaveRNNVocoder(cfg.model, mel.sample_rate, mel.name)

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        mel = vocoder_mel(cfg.model)
        report = load_items(cfg.data.corpus, mel)
        train, held = split_items(report, cfg.data.valid_utterances)
        if cfg.data.max_utterances:
            train = train[:cfg.data.max_utterances]
        spread = train[:: max(1, len(train) // cfg.data.stats_utterances)]  # every voice of a corpus root
        stats = mel_stats(spread, mel, cfg.data.stats_utterances, Path(run_dir) / STATS_FILE)
        model.set_stats(stats.mean, stats.std)
        data = segments(train, mel, stats, cfg.data.chunk_frames, cfg.data.chunks_per_utterance, cfg.seed)
        valid = segments(held, mel, stats, cfg.data.chunk_frames, 1, cfg.seed + 1) if held else None
        objective = Objective(self.phase, model.loss, {self.phase: model}, [self.phase])
        meta = {"corpus": str(cfg.data.corpus), "train_utterances": len(train), "held_out": [i.id for i in held],
                "skipped_files": len(report.problems), "segments": int(len(data["cond"])),
                "fingerprint": fingerprint(data["cond"], data["target"])}
        return TrainingPlan([Phase(self.phase, objective, data, cfg.phases[self.phase], valid)], meta)

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """Held-out sentences through the shipped RepMix converter and this vocoder: one WAV each."""
        from regen.core.task import load_model
        from regen.speech.data.audio import save_wav
        from regen.speech.data.sentences import held_out_texts
        from regen.speech.tts.renderers import NeuralRenderer
        from regen.speech.tts.speaker import Speaker

        converter, converter_cfg, _ = load_model(CONVERTER, task="speech-repmix")
        speaker = Speaker(converter, converter_cfg, NeuralRenderer(model, vocoder_mel(cfg.model)))
        return [save_wav(out_dir / f"{k:04d}.wav", (s := speaker.say(text, seed=seed + k)).wave, s.sample_rate)
                for k, text in enumerate(held_out_texts(n), start=1)]

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float | str]:
        """`evaluate_vocoder` on the first `sample.eval_utterances` held-out recordings of `data.corpus`,
        or, when that corpus is not here, on held-out sentences read by `data.voice` (built once into
        the cache, `regen.speech.data.eval_corpus`); `eval_set` names the set."""
        mel = vocoder_mel(cfg.model)
        held, eval_set = evaluation_items(cfg.data.corpus, cfg.data.voice, mel, cfg.sample.eval_utterances,
                                          lambda report: split_items(report, cfg.data.valid_utterances)[1])
        return {**evaluate_vocoder(model, held, mel, progress=True), "eval_set": eval_set}


@register
class ISTFTVocoderTask(VocoderTask):
    """Vocos-style log-mel -> STFT -> waveform renderer, trained on audio alone (no autoregression)."""

    name = "speech-istft"
    model_config = ISTFTVocoderConfig

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"vocoder": PhaseConfig(max_steps=6000, batch_size=16, lr=1e-3)}

    def check_config(self, cfg: RunConfig, where: str) -> None:
        check_vocoder_mel(cfg, where)

    def build(self, cfg: RunConfig) -> nn.Module:
        return ISTFTVocoder(cfg.model, vocoder_mel(cfg.model))


def evaluate_vocoder(model: WaveRNNVocoder | ISTFTVocoder, items: Sequence[Item], mel: MelConfig, gl_iterations: int = 64,
                     seed: int = 0, progress: bool = False, **controls: float) -> dict[str, float]:
    """Mean log-mel cepstral distance (dB; `log_mel_cepstral_distance`, under the keys *_mcd_db that the
    shipped checkpoints' metrics use) and spectral convergence of vocoder and Griffin-Lim output against
    the recordings of `items`, plus the vocoder's real-time factor (< 1 is faster than real time);
    `progress` draws a bar over the items."""
    from regen.speech.features.measures import compare_waveforms  # scipy: only when evaluating

    torch.manual_seed(seed)
    rows: dict[str, list[float]] = {k: [] for k in ("vocoder_mcd_db", "vocoder_sc", "gl_mcd_db", "gl_sc")}
    gen_seconds = audio_seconds = 0.0
    for item in progress_bar(items, desc="evaluating: copy synthesis of held-out recordings", unit="utt",
                             enabled=progress):
        wave = load_audio(item, mel.sample_rate)
        lm = log_mel(wave, mel)
        t0 = time.time()
        voc = model.vocode(lm, **controls).numpy()
        gen_seconds += time.time() - t0
        audio_seconds += len(voc) / mel.sample_rate
        gl = invert_log_mel(lm, mel, "gl", gl_iterations).numpy()
        for name, est in (("vocoder", voc), ("gl", gl)):
            scores = compare_waveforms(wave, est, mel)
            rows[f"{name}_mcd_db"].append(scores["logmel_cd_db"])
            rows[f"{name}_sc"].append(scores["spectral_convergence"])
    result = {k: float(np.mean(v)) for k, v in rows.items()}
    result["vocoder_rtf"] = gen_seconds / max(audio_seconds, 1e-9)
    return result
