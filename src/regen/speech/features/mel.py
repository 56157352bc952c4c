"""The log-mel spectrogram: the explicit Y' of a waveform.

Shapes: waveforms are (batch, samples); STFTs are (batch, freq, frames) with
freq = n_fft // 2 + 1; log-mels are (batch, frames, n_mels) (time first, as
models consume them). frames = 1 + samples // hop_length (centred STFT).
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from regen.core.config import parse, read_yaml
from regen.core.errors import RegenError
from regen.core.files import atomic_write_text



@dataclass(frozen=True)
class MelConfig:
    """Analysis settings of a log-mel spectrogram (see configs/speech/*.yaml)."""

    name: str
    sample_rate: int = 22050
    n_fft: int = 512
    win_length: int = 512
    hop_length: int = 128
    n_mels: int = 80
    fmin: float = 125.0
    fmax: float = 7800.0
    log_floor: float = 1e-5
    tier_time_factor: int = 1
    tier_freq_factor: int = 1

    def __post_init__(self) -> None:
        if self.win_length > self.n_fft:
            raise ValueError(f"win_length {self.win_length} exceeds n_fft {self.n_fft}")
        if not 0 <= self.fmin < self.fmax <= self.sample_rate / 2:
            raise ValueError(f"need 0 <= fmin < fmax <= sample_rate/2, got {self.fmin}..{self.fmax}")
        if min(self.hop_length, self.n_mels, self.tier_time_factor, self.tier_freq_factor) < 1:
            raise ValueError("hop_length, n_mels and tier factors must be >= 1")
        if self.n_mels % self.tier_freq_factor:
            raise ValueError(f"n_mels {self.n_mels} is not divisible by tier_freq_factor {self.tier_freq_factor}")

    @property
    def n_freq(self) -> int:
        """Number of linear STFT bins, n_fft // 2 + 1."""
        return self.n_fft // 2 + 1

    def frames(self, samples: int) -> int:
        """Frames of the centred STFT of `samples` samples."""
        return 1 + samples // self.hop_length


def load_mel_config(name_or_path: str | Path) -> MelConfig:
    """Load a config by file path or by its shipped name (e.g. 'logmel-ch4', i.e. configs/speech/logmel-ch4)."""
    path = Path(name_or_path)
    name = path if path.suffix else f"speech/{name_or_path}"
    return parse(MelConfig, read_yaml(name), where=str(name))


@functools.lru_cache(maxsize=16)
def _mel_basis(cfg: MelConfig) -> torch.Tensor:
    import librosa

    basis = librosa.filters.mel(sr=cfg.sample_rate, n_fft=cfg.n_fft, n_mels=cfg.n_mels, fmin=cfg.fmin, fmax=cfg.fmax)
    return torch.from_numpy(basis.astype(np.float32))


def mel_basis(cfg: MelConfig) -> torch.Tensor:
    """The (n_mels, n_freq) Slaney-normalised triangular filterbank."""
    return _mel_basis(cfg)


@functools.lru_cache(maxsize=16)
def _window(win_length: int) -> torch.Tensor:
    return torch.hann_window(win_length, periodic=True)


def stft(wave: torch.Tensor, cfg: MelConfig) -> torch.Tensor:
    """Complex STFT: (batch, samples) -> (batch, n_freq, frames)."""
    return torch.stft(wave, cfg.n_fft, cfg.hop_length, cfg.win_length, _window(cfg.win_length),
                      center=True, pad_mode="reflect", return_complex=True)


def istft(spec: torch.Tensor, cfg: MelConfig, length: int | None = None) -> torch.Tensor:
    """Inverse of `stft`: (batch, n_freq, frames) complex -> (batch, samples)."""
    return torch.istft(spec, cfg.n_fft, cfg.hop_length, cfg.win_length, _window(cfg.win_length),
                       center=True, length=length)


def magnitude(wave: torch.Tensor, cfg: MelConfig) -> torch.Tensor:
    """Linear STFT magnitude (batch, n_freq, frames)."""
    return stft(wave, cfg).abs()


def log_mel_from_magnitude(mag: torch.Tensor, cfg: MelConfig) -> torch.Tensor:
    """(batch, n_freq, frames) magnitude -> (batch, frames, n_mels) natural-log mel."""
    mel = torch.matmul(mel_basis(cfg).to(mag.dtype), mag)
    return torch.log(mel.clamp_min(cfg.log_floor)).transpose(1, 2)


def log_mel(wave: torch.Tensor | np.ndarray, cfg: MelConfig) -> torch.Tensor:
    """Waveform (samples,) or (batch, samples) -> log-mel (…, frames, n_mels)."""
    x = torch.as_tensor(wave, dtype=torch.float32)
    single = x.dim() == 1
    out = log_mel_from_magnitude(magnitude(x.reshape(1, -1) if single else x, cfg), cfg)
    return out[0] if single else out


def first_tier(mel: torch.Tensor, cfg: MelConfig) -> torch.Tensor:
    """MelNet's lowest tier: keep every k-th frame and every j-th mel bin.

    (batch, frames, n_mels) -> (batch, ceil(frames / k), n_mels / j) with
    k = tier_time_factor and j = tier_freq_factor (R-MelNet: 4 and 8, so
    (448, 256) becomes (112, 32)).
    """
    return mel[:, :: cfg.tier_time_factor, :: cfg.tier_freq_factor]


@dataclass
class MelStats:
    """Per-mel-bin mean and standard deviation over a corpus's training frames."""

    config: str
    mean: list[float]
    std: list[float]
    frames: int
    utterances: int

    def normalize(self, mel: torch.Tensor) -> torch.Tensor:
        """(…, n_mels) log-mel -> zero-mean, unit-variance per bin."""
        return (mel - torch.tensor(self.mean)) / torch.tensor(self.std)

    def denormalize(self, mel: torch.Tensor) -> torch.Tensor:
        """Inverse of `normalize`."""
        return mel * torch.tensor(self.std) + torch.tensor(self.mean)

    def save(self, path: str | Path) -> Path:
        """Write as JSON atomically."""
        return atomic_write_text(path, json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "MelStats":
        try:
            return cls(**json.loads(Path(path).read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise RegenError(f"mel statistics {path} are unreadable ({exc}); delete the file to recompute them") from None


def compute_stats(waves: "list[np.ndarray] | object", cfg: MelConfig) -> MelStats:
    """Mean/std per mel bin over all frames of the waveforms in `waves` (iterable)."""
    total = torch.zeros(cfg.n_mels, dtype=torch.float64)
    total_sq = torch.zeros(cfg.n_mels, dtype=torch.float64)
    frames = utterances = 0
    for wave in waves:
        mel = log_mel(wave, cfg).double()
        total += mel.sum(0)
        total_sq += (mel**2).sum(0)
        frames += mel.shape[0]
        utterances += 1
    if frames == 0:
        raise RegenError("no audio to compute mel statistics from")
    mean = total / frames
    std = (total_sq / frames - mean**2).clamp_min(1e-8).sqrt()
    return MelStats(cfg.name, mean.tolist(), std.tolist(), frames, utterances)


def check_log_mel(x: torch.Tensor, n_mels: int, config: str, min_frames: int = 1) -> torch.Tensor:
    """A log-mel batch (batch, frames, n_mels) as float32; RegenError (one line) for a wrong shape,
    fewer than `min_frames` frames, or NaN/infinite values."""
    x = torch.as_tensor(x, dtype=torch.float32)
    if x.dim() != 3 or x.shape[-1] != n_mels:
        raise RegenError(f"expected log-mels of shape (batch, frames, {n_mels}), got {tuple(x.shape)}; "
                         f"were they made with mel config '{config}'?")
    if x.shape[1] < min_frames:
        raise RegenError(f"the log-mel has fewer than {min_frames} frame(s); nothing to turn into audio")
    if not torch.isfinite(x).all():
        raise RegenError("the log-mel contains NaN or infinite values")
    return x
