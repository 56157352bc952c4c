"""The duration-based, non-autoregressive converter X (phones) -> Y' (log-mel), FastSpeech 2's shape.

    embedding    phones with stress, word boundaries (space) and punctuation, as the other
                 converters' `cond` (batch, symbols, 3) in the front end's 'phones' mode, with a
                 space at each end for the leading and trailing silence (`data.phone_sequence`)
    encoder      FFT blocks over the symbols                                   (batch, symbols, hidden)
    speakers     optional: a voice embedding (`model.speakers`) added to the encoder output
    durations    training: MAS (`regen.speech.align`) over the alignment encoder's Gaussian scores
                 of the target mel, learned with the model (the path's negative log-likelihood), or
                 the corpus's word timings (`durations: oracle`, an ablation); the duration
                 predictor learns their logarithm (detached targets) around `duration_mean`
    pitch/energy optional predictors of each symbol's mean normalised log F0 and log energy over
                 its frames (phone level); the true values (training) or the predictions
                 (inference) are quantised and embedded into the symbol states
    regulator    each symbol's state repeated for its frames                   (batch, frames, hidden)
    decoder      FFT blocks over the frames, a linear layer to the normalised log-mel, and a
                 postnet residual; L1 loss on both                             (batch, frames, n_mels)
                 With `decoder: flow` (Matcha-TTS's conditional flow matching, Mehta et al., 2024),
                 the same blocks instead predict the velocity that carries Gaussian noise to the
                 log-mel along straight paths (optimal-transport CFM, Lipman et al., 2023): trained on
                 x_t = (1 - (1 - sigma) t) x0 + t x1 with target x1 - (1 - sigma) x0, the noisy mel and a
                 sinusoidal embedding of t added to the regulated states; sampled by `flow_steps` Euler
                 steps from noise of scale `flow_noise`

Controls at inference: `rate` (speaking-rate factor: durations / rate, at least one frame per
symbol), `pitch_shift` (semitones, added to the predicted log F0), `voice` (a name in
`model.speakers`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import nn

from regen.core.errors import RegenError
from regen.speech.align.aligner import (AlignmentEncoder, beta_binomial_log_prior, gaussian_log_likelihood,
                                        path_nll)
from regen.speech.align.mas import durations_to_path, monotonic_alignment_search, path_durations
from regen.speech.data.voices import parse_voice
from regen.speech.tts.duration.layers import (PHONE_POSITION_FEATURES, FFTStack, Postnet, VarianceEmbedding,
                                              VariancePredictor, length_regulate, phone_position)
from regen.speech.tts.duration.pitch import frame_log_energy
from regen.speech.tts.stage import Generated, TTSStage
from regen.speech.tts.text_input import MixedTextEmbedding, text_lengths
from regen.speech.tts.duration.voices import resolve_voice, voice_mix

SEMITONE = math.log(2.0) / 12  # one semitone in natural-log F0


@dataclass
class DurationConfig:
    """Network sizes and switches; defaults are FastSpeech 2's (`configs/speech/duration-paper.yaml`).

    `speakers`: voice names of the corpus (e.g. festival:slt, espeak:en-us), one embedding each
    (empty: one voice). `durations`: mas (learned, the default) | oracle (the corpus's word timings).
    `aligner_channels`: width of the alignment encoder; `aligner_prior`: scale of its beta-binomial
    prior (0: none). `decoder_heads`: the decoder's attention heads (0: convolutions only).
    `phone_position`: give the decoder each frame's position inside its phone (`layers.phone_position`).
    `decoder`: regression (L1 to the log-mel) | flow (conditional flow matching, sampled in `flow_steps`
    Euler steps from noise of scale `flow_noise`; `flow_sigma` the paths' end width).
    """

    mel: str = "ch4"
    n_mels: int = 80
    hidden: int = 256
    encoder_layers: int = 4
    decoder_layers: int = 4
    heads: int = 2
    decoder_heads: int = 2
    conv_filter: int = 1024
    conv_kernel: int = 9
    dropout: float = 0.2
    predictor_filter: int = 256
    predictor_kernel: int = 3
    predictor_dropout: float = 0.5
    variance_bins: int = 256
    pitch: bool = True
    energy: bool = True
    postnet_layers: int = 5
    postnet_channels: int = 512
    postnet_kernel: int = 5
    speakers: list[str] = field(default_factory=list)
    durations: Literal["mas", "oracle"] = "mas"
    aligner_channels: int = 256
    aligner_prior: float = 1.0
    phone_position: bool = False
    decoder: Literal["regression", "flow"] = "regression"
    flow_steps: int = 10
    flow_noise: float = 0.667
    flow_sigma: float = 1e-4

    def __post_init__(self) -> None:
        if min(self.n_mels, self.hidden, self.encoder_layers, self.decoder_layers, self.conv_filter, self.conv_kernel,
               self.predictor_filter, self.predictor_kernel, self.aligner_channels) < 1:
            raise ValueError("all sizes must be >= 1")
        if self.hidden % 2 or min(self.heads, self.decoder_heads) < 0 or self.variance_bins < 2:
            raise ValueError("hidden must be even, heads >= 0 and variance_bins >= 2")
        if any(h and self.hidden % h for h in (self.heads, self.decoder_heads)):
            raise ValueError(f"hidden {self.hidden} must be divisible by heads and decoder_heads")
        if not (0 <= self.dropout < 1 and 0 <= self.predictor_dropout < 1):
            raise ValueError("dropout probabilities must lie in [0, 1)")
        if self.postnet_layers == 1 or self.postnet_layers < 0:
            raise ValueError("postnet_layers must be 0 (no postnet) or >= 2")
        if self.aligner_prior < 0:
            raise ValueError("aligner_prior must be >= 0")
        for name in self.speakers:
            if ":" not in name:
                raise ValueError(f"speaker '{name}' is not a voice name like festival:slt or espeak:en-us")
            parse_voice(name)
        if len(set(self.speakers)) != len(self.speakers):
            raise ValueError("a speaker is listed twice")
        if self.decoder not in ("regression", "flow") or self.flow_steps < 1 or self.flow_noise < 0:
            raise ValueError("decoder must be regression or flow, flow_steps >= 1 and flow_noise >= 0")


def sinusoid_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Times t (batch,) in [0, 1] -> sinusoidal features (batch, dim) (frequencies 1 .. 1000 x 2 pi)."""
    frequencies = torch.exp(torch.linspace(0, math.log(1000.0), dim // 2, device=t.device))
    angles = 2 * math.pi * t[:, None] * frequencies[None]
    return torch.cat([angles.sin(), angles.cos()], -1)


@dataclass
class Teaching:
    """A training batch seen by the model: normalised mel (batch, frames, n_mels) and frame_mask (batch,
    frames), encoder states (batch, symbols, hidden) and mask (batch, symbols), the hard path (batch,
    symbols, frames) its durations come from (MAS or oracle), and the aligner's losses (none for oracle)."""

    mel: torch.Tensor
    frame_mask: torch.Tensor
    states: torch.Tensor
    mask: torch.Tensor
    path: torch.Tensor
    losses: dict[str, torch.Tensor]


def masked_mean(error: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of error (batch, length[, dim]) over the positions where mask (batch, length) is true."""
    weight = mask.to(error.dtype)
    if error.dim() == 3:
        return (error.mean(-1) * weight).sum() / weight.sum().clamp_min(1)
    return (error * weight).sum() / weight.sum().clamp_min(1)


class DurationTTS(TTSStage):
    """Phones -> log-mel converter Stage; see the module docstring.

    Training batch: `cond` (batch, symbols, 3) int64, `target` (batch, frames, n_mels) raw log-mel,
    `target_lengths` (batch,), `pitch` (batch, frames) frame log F0, `speaker` (batch,) int64, and
    with `durations: oracle`, `durations` (batch, symbols) int64.
    """

    def __init__(self, cfg: DurationConfig) -> None:
        super().__init__(cfg.n_mels)
        self.cfg = cfg
        d = cfg.hidden
        self.embed = MixedTextEmbedding(d)
        self.encoder = FFTStack(cfg.encoder_layers, d, cfg.heads, cfg.conv_filter, cfg.conv_kernel, cfg.dropout)
        self.speaker_table = nn.Embedding(len(cfg.speakers), d) if cfg.speakers else None
        predictor = lambda: VariancePredictor(d, cfg.predictor_filter, cfg.predictor_kernel,  # noqa: E731
                                              cfg.predictor_dropout)
        self.duration_predictor = predictor()
        self.pitch_predictor = predictor() if cfg.pitch else None
        self.pitch_embed = VarianceEmbedding(cfg.variance_bins, d) if cfg.pitch else None
        self.energy_predictor = predictor() if cfg.energy else None
        self.energy_embed = VarianceEmbedding(cfg.variance_bins, d) if cfg.energy else None
        self.aligner = AlignmentEncoder(cfg.n_mels, cfg.aligner_channels) if cfg.durations == "mas" else None
        self.decoder = FFTStack(cfg.decoder_layers, d, cfg.decoder_heads, cfg.conv_filter, cfg.conv_kernel,
                                cfg.dropout)
        self.position = nn.Linear(PHONE_POSITION_FEATURES, d) if cfg.phone_position else None
        self.to_mel = nn.Linear(d, cfg.n_mels)
        flow = cfg.decoder == "flow"
        self.flow_in = nn.Linear(cfg.n_mels, d) if flow else None
        self.flow_time = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d)) if flow else None
        self.postnet = (Postnet(cfg.n_mels, cfg.postnet_channels, cfg.postnet_kernel, cfg.postnet_layers, cfg.dropout)
                        if cfg.postnet_layers else None)
        # statistics of the training rows (`set_variance_stats`): mean log frames per symbol, and the
        # mean/std of frame log F0 and log energy the pitch and energy values are normalised with
        for name, value in (("duration_mean", 0.0), ("pitch_mean", 0.0), ("pitch_std", 1.0), ("energy_mean", 0.0),
                            ("energy_std", 1.0)):
            self.register_buffer(name, torch.tensor(value))
        self.last_generated: Generated | None = None

    def set_variance_stats(self, duration_mean: float, pitch: tuple[float, float], energy: tuple[float, float]) -> None:
        """Record the training rows' mean log frames per symbol, and (mean, std) of frame log F0 and log energy."""
        for name, value in (("duration_mean", duration_mean), ("pitch_mean", pitch[0]), ("pitch_std", pitch[1]),
                            ("energy_mean", energy[0]), ("energy_std", energy[1])):
            getattr(self, name).fill_(value)

    def speaker_index(self, voice: str | None, batch: int) -> torch.Tensor:
        """Voice name (None or '': the first) -> speaker ids (batch,); a mix ('slt@0.7,kal@0.3') -> weights
        over the speakers (batch, speakers) float. One-line RegenError for an unknown voice."""
        device = self.mel_mean.device
        if voice and ("@" in voice or "," in voice):
            mix = voice_mix(self.cfg.speakers, voice)
            weights = torch.tensor([mix.get(name, 0.0) for name in self.cfg.speakers], device=device)
            return weights[None].expand(batch, -1).clone()
        name = resolve_voice(self.cfg.speakers, voice) if voice else None
        index = self.cfg.speakers.index(name) if name else 0
        return torch.full((batch,), index, dtype=torch.long, device=device)

    def encode(self, cond: torch.Tensor, speaker: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """cond (batch, symbols, 3), speaker (batch,) ids or (batch, speakers) mixing weights -> (encoder states
        with the voice added (batch, symbols, hidden), mask (batch, symbols) bool)."""
        x, mask, _ = self.embed(cond)
        states = self.encoder(x, mask)
        if self.speaker_table is not None:
            voice = self.speaker_table(speaker) if speaker.dtype == torch.long else speaker @ self.speaker_table.weight
            states = states + voice[:, None] * mask[..., None]
        return states, mask

    def align(self, cond: torch.Tensor, mel: torch.Tensor, frame_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Hard path (batch, symbols, frames) by MAS over the aligner's Gaussian scores of normalised mel
        (batch, frames, n_mels) (plus the beta-binomial prior), and the path's negative log-likelihood."""
        means, mask = self.aligner(cond)
        symbol_lengths, frame_lengths = mask.sum(-1), frame_mask.sum(-1)
        scores = gaussian_log_likelihood(mel, means)
        if self.cfg.aligner_prior:
            scores = scores + beta_binomial_log_prior(symbol_lengths, frame_lengths, mask.shape[1], mel.shape[1],
                                                      self.cfg.aligner_prior)
        path = monotonic_alignment_search(scores, symbol_lengths, frame_lengths)
        return path, path_nll(mel, means, path, frame_mask)

    def adapt(self, states: torch.Tensor, mask: torch.Tensor, pitch: torch.Tensor | None,
              energy: torch.Tensor | None) -> torch.Tensor:
        """Symbol states (batch, symbols, hidden) plus the embeddings of normalised pitch and energy (batch, symbols)."""
        if self.pitch_embed is not None and pitch is not None:
            states = states + self.pitch_embed(pitch) * mask[..., None]
        if self.energy_embed is not None and energy is not None:
            states = states + self.energy_embed(energy) * mask[..., None]
        return states

    def decode(self, frames: torch.Tensor, frame_mask: torch.Tensor,
               durations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Regulated states (batch, frames, hidden) of durations (batch, symbols) -> normalised log-mel before
        and after the postnet, each (batch, frames, n_mels), zero past frame_mask (batch, frames)."""
        keep = frame_mask[..., None].to(frames.dtype)
        if self.position is not None:
            frames = frames + self.position(phone_position(durations, frames.shape[1])) * keep
        mel = self.to_mel(self.decoder(frames, frame_mask)) * keep
        return mel, (mel + self.postnet(mel) * keep if self.postnet is not None else mel)

    def velocity(self, frames: torch.Tensor, frame_mask: torch.Tensor, durations: torch.Tensor, noisy: torch.Tensor,
                 t: torch.Tensor) -> torch.Tensor:
        """Flow decoder: the velocity (batch, frames, n_mels) at noisy mel x_t (batch, frames, n_mels) and time t
        (batch,), given the regulated states (batch, frames, hidden)."""
        keep = frame_mask[..., None].to(frames.dtype)
        time = self.flow_time(sinusoid_embedding(t, frames.shape[-1]))[:, None]
        x = frames + (self.flow_in(noisy) + time) * keep
        if self.position is not None:
            x = x + self.position(phone_position(durations, frames.shape[1])) * keep
        return self.to_mel(self.decoder(x, frame_mask)) * keep

    def flow_loss(self, frames: torch.Tensor, frame_mask: torch.Tensor, durations: torch.Tensor,
                  mel: torch.Tensor) -> torch.Tensor:
        """Conditional flow matching: mean squared error of the velocity at a random time of each row."""
        sigma = self.cfg.flow_sigma
        noise = torch.randn_like(mel)
        t = torch.rand(len(mel), device=mel.device)
        noisy = (1 - (1 - sigma) * t[:, None, None]) * noise + t[:, None, None] * mel
        target = mel - (1 - sigma) * noise
        error = (self.velocity(frames, frame_mask, durations, noisy, t) - target) ** 2
        return masked_mean(error.mean(-1), frame_mask)

    @torch.no_grad()
    def flow_sample(self, frames: torch.Tensor, frame_mask: torch.Tensor, durations: torch.Tensor,
                    seed: int | None = None) -> torch.Tensor:
        """Normalised log-mel (batch, frames, n_mels) by `flow_steps` Euler steps from noise of scale `flow_noise`
        (drawn from a generator seeded with `seed`, or the global one)."""
        keep = frame_mask[..., None].to(frames.dtype)
        generator = None if seed is None else torch.Generator(device=frames.device).manual_seed(seed)
        x = torch.randn(*frames.shape[:2], self.cfg.n_mels, device=frames.device, generator=generator)
        x = x * self.cfg.flow_noise * keep
        steps = self.cfg.flow_steps
        for k in range(steps):
            t = torch.full((len(x),), k / steps, device=x.device)
            x = x + self.velocity(frames, frame_mask, durations, x, t) / steps
        return x * keep

    def teach(self, batch: dict[str, torch.Tensor]) -> Teaching:
        """A training batch, trimmed to its longest row, encoded and aligned (see `Teaching`)."""
        frame_lengths = batch["target_lengths"].long()
        mel = self.normalize(batch["target"][:, : int(frame_lengths.max())].float())  # rows are padded to the corpus's longest
        frame_mask = torch.arange(mel.shape[1], device=mel.device)[None] < frame_lengths[:, None]
        cond = batch["cond"][:, : int(text_lengths(batch["cond"]).max())]
        states, mask = self.encode(cond, batch["speaker"])
        if self.aligner is not None:
            path, nll = self.align(cond, mel * frame_mask[..., None], frame_mask)
            losses = {"align": nll}
        else:
            path, losses = durations_to_path(batch["durations"][:, : mask.shape[1]] * mask, mel.shape[1]), {}
        return Teaching(mel, frame_mask, states, mask, path, losses)

    @torch.no_grad()
    def teacher_forced_alignment(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The hard path (batch, frames, symbols) a training batch's durations come from (MAS or oracle)."""
        return self.teach(batch).path.transpose(1, 2)

    def variances(self, taught: Teaching, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Duration / pitch / energy losses of a taught batch, added to `taught.losses`; returns the regulated
        symbol states with the true pitch and energy embedded (batch, frames, hidden) and the durations
        (batch, symbols) of the path."""
        mel, frame_mask, states, mask, path, losses = (taught.mel, taught.frame_mask, taught.states, taught.mask,
                                                       taught.path, taught.losses)
        durations = path_durations(path)
        log_durations = torch.log(durations.clamp_min(1).float()) - self.duration_mean
        losses["duration"] = masked_mean((self.duration_predictor(states, mask) - log_durations) ** 2, mask)
        per_symbol = lambda frame_values: (path @ frame_values[..., None])[..., 0] / durations.clamp_min(1)  # noqa: E731
        pitch = energy = None
        if self.pitch_predictor is not None:
            pitch = (per_symbol(batch["pitch"][:, : mel.shape[1]].float() * frame_mask) - self.pitch_mean) / self.pitch_std * mask
            losses["pitch"] = masked_mean((self.pitch_predictor(states, mask) - pitch) ** 2, mask)
        if self.energy_predictor is not None:
            frame_energy = frame_log_energy(self.denormalize(mel)) * frame_mask
            energy = (per_symbol(frame_energy) - self.energy_mean) / self.energy_std * mask
            losses["energy"] = masked_mean((self.energy_predictor(states, mask) - energy) ** 2, mask)
        frames, _ = length_regulate(self.adapt(states, mask, pitch, energy), durations)
        return frames, durations

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Mel L1 (before and after the postnet), duration / pitch / energy MSE, and with MAS the aligner's
        path negative log-likelihood (`align`); their sum is `loss`."""
        taught = self.teach(batch)
        frames, durations = self.variances(taught, batch)
        losses = taught.losses
        if self.flow_in is not None:
            losses["flow"] = self.flow_loss(frames, taught.frame_mask, durations, taught.mel)
        else:
            before, after = self.decode(frames, taught.frame_mask, durations)
            losses["mel"] = masked_mean((before - taught.mel).abs(), taught.frame_mask)
            if self.postnet is not None:
                losses["postnet"] = masked_mean((after - taught.mel).abs(), taught.frame_mask)
        total = sum(losses.values())
        return {"loss": total, **{k: v.detach() for k, v in losses.items()}}

    def predict_frames(self, cond: torch.Tensor, speaker: torch.Tensor, rate: float = 1.0,
                       pitch_shift: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Inference up to the regulator: (regulated states (batch, frames, hidden), their lengths (batch,),
        durations (batch, symbols))."""
        if not rate > 0:
            raise RegenError(f"rate must be > 0 (1 is the voice's own pace, 2 twice as fast), got {rate}")
        states, mask = self.encode(cond, speaker)
        predicted = torch.exp(self.duration_predictor(states, mask) + self.duration_mean) / rate
        durations = predicted.round().clamp_min(1).long() * mask
        pitch = energy = None
        if self.pitch_predictor is not None:
            pitch = self.pitch_predictor(states, mask) + pitch_shift * SEMITONE / self.pitch_std
        if self.energy_predictor is not None:
            energy = self.energy_predictor(states, mask)
        frames, lengths = length_regulate(self.adapt(states, mask, pitch, energy), durations)
        return frames, lengths, durations

    @torch.no_grad()
    def generate(self, cond: torch.Tensor, speaker: torch.Tensor, rate: float = 1.0,
                 pitch_shift: float = 0.0, seed: int | None = None) -> Generated:
        """cond (batch, symbols, 3), speaker (batch,) -> `Generated`: normalised log-mel (batch, frames, n_mels),
        zero past `lengths` (batch,), and `alignment` (batch, frames, symbols), the hard path of the
        predicted durations."""
        frames, lengths, durations = self.predict_frames(cond, speaker, rate, pitch_shift)
        frame_mask = torch.arange(frames.shape[1], device=frames.device)[None] < lengths[:, None]
        if self.flow_in is not None:
            mel = self.flow_sample(frames, frame_mask, durations, seed)
        else:
            _, mel = self.decode(frames, frame_mask, durations)
        return Generated(mel, lengths, durations_to_path(durations, frames.shape[1]).transpose(1, 2))

    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """(batch, symbols, 3) -> raw log-mel (batch * n, frames, n_mels); controls `voice` (str), `rate`,
        `pitch_shift`, `seed` (see `generate`). Deterministic with the regression decoder (the n copies are
        equal); the flow decoder draws its noise from `seed` (or the global generator). The last call's
        `Generated` is kept in `self.last_generated`."""
        unknown = set(controls) - {"voice", "rate", "pitch_shift", "seed"}
        if unknown:
            raise RegenError(f"unknown control(s) {', '.join(sorted(unknown))}; this model takes voice, rate, "
                             "pitch_shift, seed")
        cond = cond.repeat_interleave(n, dim=0)
        speaker = self.speaker_index(controls.get("voice"), len(cond))
        seed = controls.get("seed")
        out = self.generate(cond, speaker, float(controls.get("rate", 1.0)), float(controls.get("pitch_shift", 0.0)),
                            None if seed is None else int(seed))
        self.last_generated = out
        return self.denormalize(out.mel)
