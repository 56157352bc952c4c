"""The codec task (`speech-codec`): the learned abstraction waveform -> codes -> waveform, trained on
audio alone from `data.corpus` (every voice of a corpus root) on the aligned (log-mel, audio) chunks
the vocoders read.

`regen sample` writes held-out recordings copy-synthesised through the codes (WAV); `regen evaluate`
compares that copy synthesis with the recordings (log-mel cepstral distance, spectral convergence,
real-time factor, beside Griffin-Lim) and reports the bitrate and each codebook's use on them.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from regen.core.errors import ConfigError
from regen.speech.codec.model import CodecConfig
from regen.core.run_config import RunConfig
from regen.core.task import register
from regen.speech.codec.model import SpeechCodec
from regen.speech.data.eval_corpus import evaluation_items
from regen.speech.data.load import load_audio
from regen.speech.vocoder.data import split_items
from regen.speech.vocoder.task import ISTFTVocoderTask, evaluate_vocoder, vocoder_mel
from regen.train.config import PhaseConfig


@register
class CodecTask(ISTFTVocoderTask):
    """Residual-VQ codec with an iSTFT decoder, trained on audio alone."""

    name = "speech-codec"
    model_config = CodecConfig
    phase = "codec"

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"codec": PhaseConfig(max_steps=8000, batch_size=16, lr=1e-3)}

    def check_config(self, cfg: RunConfig, where: str) -> None:
        super().check_config(cfg, where)
        if cfg.data.chunk_frames % cfg.model.downsample:
            raise ConfigError(f"{where}: data.chunk_frames {cfg.data.chunk_frames} must be a multiple of "
                              f"model.downsample {cfg.model.downsample}")

    def build(self, cfg: RunConfig) -> nn.Module:
        return SpeechCodec(cfg.model, vocoder_mel(cfg.model))

    def held_out(self, cfg: RunConfig, n: int) -> tuple[list, str]:
        mel = vocoder_mel(cfg.model)
        return evaluation_items(cfg.data.corpus, cfg.data.voice, mel, n,
                                lambda report: split_items(report, cfg.data.valid_utterances)[1])

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """The first `n` held-out recordings through the codes and back: one WAV each."""
        from regen.speech.data.audio import save_wav

        items, _ = self.held_out(cfg, n)
        rate = model.mel.sample_rate
        return [save_wav(out_dir / f"{k:04d}.wav", model.decode(model.encode(load_audio(i, rate))).numpy(), rate)
                for k, i in enumerate(items, start=1)]

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float | str]:
        """Copy synthesis through the codes on the held-out recordings, the bitrate and codebook use."""
        items, eval_set = self.held_out(cfg, cfg.sample.eval_utterances)
        mel = vocoder_mel(cfg.model)
        scores = evaluate_vocoder(model, items, mel, progress=True)
        codes = torch.cat([model.encode(load_audio(i, mel.sample_rate)) for i in items])
        usage = model.quantizer.usage(codes)
        return {"codec_mcd_db": scores["vocoder_mcd_db"], "codec_sc": scores["vocoder_sc"],
                "gl_mcd_db": scores["gl_mcd_db"], "gl_sc": scores["gl_sc"], "codec_rtf": scores["vocoder_rtf"],
                "bitrate": model.bitrate, "codes_used": min(u["used"] for u in usage),
                "perplexity": min(u["perplexity"] for u in usage), "eval_set": eval_set}


def load_codec_weights(codec: SpeechCodec, sizes: CodecConfig, checkpoint: str) -> None:
    """Copy the weights of the codec checkpoint `checkpoint` into `codec`; one-line ConfigError when its
    sizes are not `sizes` (the `model.codec` section of a config that uses the codec)."""
    from dataclasses import asdict

    from regen.core.task import load_model

    trained, trained_cfg, _ = load_model(checkpoint, task="speech-codec")
    if asdict(trained_cfg.model) != asdict(sizes):
        raise ConfigError(f"model.codec differs from the sizes of {checkpoint}; copy its model section into model.codec")
    codec.load_state_dict(trained.state_dict())
