"""The way back from log-mel to audio: mel -> magnitude -> waveform.

1. `mel_to_magnitude`: non-negative least squares, min ||B S - M||^2 s.t. S >= 0,
   solved for every frame at once by accelerated projected gradient (B is the
   (n_mels, n_freq) filterbank, M the linear mel magnitude).
2. `griffin_lim`: batched Griffin-Lim on torch STFTs; `momentum > 0` gives the
   "fast Griffin-Lim" of Perraudin et al. (2013), momentum 0 the original.
3. `lbfgs`: optimise the waveform itself with torch.optim.LBFGS so that its STFT
   magnitude matches the NNLS magnitude (thesis ch. 4.2.6 matches the log-mel;
   matching the linear magnitude converged far better here); `lbfgs-gl` follows it with
   Griffin-Lim started from the L-BFGS phase, the thesis's two-stage pipeline.

Shapes: log-mel (batch, frames, n_mels); magnitude (batch, n_freq, frames);
waveform (batch, samples) with samples = (frames - 1) * hop_length.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from regen.core.errors import RegenError
from regen.speech.features.mel import MelConfig, check_log_mel, log_mel_from_magnitude, mel_basis, stft
from regen.speech.features.stft import framed_stft

METHODS: tuple[str, ...] = ("gl", "lbfgs", "lbfgs-gl")


@functools.lru_cache(maxsize=8)
def _nnls_operators(cfg: MelConfig) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The filterbank B (n_mels, n_freq), its pseudo-inverse and the gradient step 1 / ||B||_2^2, once per config."""
    basis = mel_basis(cfg)
    return basis, torch.linalg.pinv(basis), 1.0 / float(torch.linalg.matrix_norm(basis, ord=2)) ** 2


def mel_to_magnitude(mel_mag: torch.Tensor, cfg: MelConfig, iterations: int = 10) -> torch.Tensor:
    """Linear mel magnitude (batch, n_mels, frames) -> STFT magnitude (batch, n_freq, frames).

    Non-negative least squares by Nesterov-accelerated projected gradient,
    started from the clamped pseudo-inverse solution. The gradient B^T (B y - M) goes
    through the n_mels-row filterbank, never the (n_freq, n_freq) Gram matrix.
    """
    basis, pinv, step = (op.to(mel_mag.dtype) if isinstance(op, torch.Tensor) else op for op in _nnls_operators(cfg))
    s = (pinv @ mel_mag).clamp_min(0)
    y, t = s, 1.0
    for _ in range(iterations):
        s_next = (y - step * (basis.T @ (basis @ y - mel_mag))).clamp_min(0)
        t_next = (1 + (1 + 4 * t * t) ** 0.5) / 2
        y = s_next + ((t - 1) / t_next) * (s_next - s)
        s, t = s_next, t_next
    return s


def griffin_lim(
    mag: torch.Tensor,
    cfg: MelConfig,
    iterations: int = 64,
    momentum: float = 0.99,
    init: torch.Tensor | None = None,
    length: int | None = None,
    seed: int = 0,
) -> torch.Tensor:
    """Phase recovery: magnitude (batch, n_freq, frames) -> waveform (batch, samples).

    `init` is an optional complex (batch, n_freq, frames) initial estimate whose
    phase is used; otherwise phases start uniformly random (seeded).
    """
    if not 0 <= momentum < 1:
        raise RegenError(f"Griffin-Lim momentum must lie in [0, 1), got {momentum}")
    length = length if length is not None else (mag.shape[-1] - 1) * cfg.hop_length
    ops = framed_stft(cfg.n_fft, cfg.hop_length, cfg.win_length, length)
    if ops.frames != mag.shape[-1]:
        raise RegenError(f"{mag.shape[-1]} frames do not fit a signal of {length} samples")
    target = mag.transpose(1, 2).contiguous()  # (batch, frames, n_freq)
    if init is None:
        gen = torch.Generator().manual_seed(seed)
        phase = torch.rand(target.shape, generator=gen, dtype=target.dtype) * (2 * np.pi)
        spec = torch.polar(target, phase)
    else:
        init = init.transpose(1, 2).contiguous()
        spec = init * (target / _abs(init).add_(1e-16))
    previous = None
    alpha = momentum / (1 + momentum)
    for _ in range(iterations):
        rebuilt = ops.forward(ops.inverse(spec))
        angles = torch.sub(rebuilt, previous, alpha=alpha) if alpha and previous is not None else rebuilt
        spec = angles * (target / _abs(angles).add_(1e-16))  # target magnitude, estimated phase
        previous = rebuilt
    return ops.inverse(spec)


def _abs(z: torch.Tensor) -> torch.Tensor:
    """|z| of a complex tensor through its real view (several times faster than z.abs() on CPU)."""
    squares = torch.view_as_real(z).square()
    return (squares[..., 0] + squares[..., 1]).sqrt_()


def lbfgs(
    mag: torch.Tensor,
    cfg: MelConfig,
    iterations: int = 100,
    init: torch.Tensor | None = None,
    length: int | None = None,
    seed: int = 0,
) -> torch.Tensor:
    """Optimise a waveform whose STFT magnitude matches `mag` (batch, n_freq, frames).

    Minimises the relative squared error of linear magnitudes with
    torch.optim.LBFGS (strong Wolfe line search) from small seeded noise or
    `init` (batch, samples); returns (batch, samples).
    """
    length = length if length is not None else (mag.shape[-1] - 1) * cfg.hop_length
    ops = framed_stft(cfg.n_fft, cfg.hop_length, cfg.win_length, length)
    if ops.frames != mag.shape[-1]:
        raise RegenError(f"{mag.shape[-1]} frames do not fit a signal of {length} samples")
    if init is None:
        gen = torch.Generator().manual_seed(seed)
        init = torch.randn(mag.shape[0], length, generator=gen) * 1e-3
    wave = init.detach().clone().requires_grad_(True)
    target = mag.transpose(1, 2).contiguous()
    scale = float(target.pow(2).mean()) + 1e-12
    optimiser = torch.optim.LBFGS([wave], lr=1.0, max_iter=iterations, history_size=20,
                                  tolerance_grad=1e-12, tolerance_change=1e-14, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        spec = ops.forward(wave)
        estimate = (spec.real**2 + spec.imag**2 + 1e-10).sqrt()
        loss = (estimate - target).pow(2).mean() / scale
        loss.backward()
        return loss

    optimiser.step(closure)
    return wave.detach().clamp(-1, 1)


def invert_log_mel(
    log_mel: torch.Tensor | np.ndarray,
    cfg: MelConfig,
    method: str = "gl",
    iterations: int = 64,
    momentum: float = 0.99,
    seed: int = 0,
) -> torch.Tensor:
    """Log-mel (frames, n_mels) or (batch, frames, n_mels) -> waveform (…, samples).

    `method` is 'gl' (Griffin-Lim after NNLS), 'lbfgs' (waveform optimisation) or
    'lbfgs-gl' (L-BFGS for `iterations`, then as many Griffin-Lim iterations).
    """
    if method not in METHODS:
        raise RegenError(f"unknown inversion method '{method}'; choose one of {', '.join(METHODS)}")
    if iterations < 1:
        raise RegenError(f"iterations must be >= 1, got {iterations}")
    x = torch.as_tensor(log_mel, dtype=torch.float32)
    single = x.dim() == 2
    x = check_log_mel(x.unsqueeze(0) if single else x, cfg.n_mels, cfg.name, min_frames=2)
    mel_mag = x.exp().transpose(1, 2)  # (batch, n_mels, frames)
    with torch.no_grad():
        mag = mel_to_magnitude(mel_mag, cfg)
    if method == "gl":
        with torch.no_grad():
            return _squeeze(griffin_lim(mag, cfg, iterations, momentum, seed=seed), single)
    wave = lbfgs(mag, cfg, iterations, seed=seed)
    if method == "lbfgs-gl":
        with torch.no_grad():
            wave = griffin_lim(mag, cfg, iterations, momentum, init=stft(wave, cfg))
    return _squeeze(wave, single)


def _squeeze(wave: torch.Tensor, single: bool) -> torch.Tensor:
    return wave[0] if single else wave


def convert_log_mel(log_mel: torch.Tensor, source: MelConfig, target: MelConfig) -> torch.Tensor:
    """Re-express a log-mel (frames, n_mels) of config `source` in config `target`.

    The mel is taken back to an STFT magnitude (`mel_to_magnitude`), that magnitude is
    linearly interpolated onto the target's frequency bins and frame times (frame f
    sits at f * hop / sample_rate seconds), then analysed with the target's filterbank.
    Returns (round(frames * source.hop / target.hop), target.n_mels). Both configs must
    share the sample rate (the neural vocoder's features, from R-MelNet's, use this).
    """
    if source.sample_rate != target.sample_rate:
        raise RegenError(f"cannot convert log-mels between {source.sample_rate} Hz and {target.sample_rate} Hz")
    x = torch.as_tensor(log_mel, dtype=torch.float32)
    if x.dim() != 2 or x.shape[-1] != source.n_mels:
        raise RegenError(f"expected a log-mel of shape (frames, {source.n_mels}), got {tuple(x.shape)}")
    with torch.no_grad():
        mag = mel_to_magnitude(x.exp().T[None], source)[0]  # (n_freq_src, frames)
    freq_src = torch.linspace(0, 1, source.n_freq)
    freq_dst = torch.linspace(0, 1, target.n_freq)
    frames_dst = max(1, round(x.shape[0] * source.hop_length / target.hop_length))
    time_dst = torch.arange(frames_dst) * (target.hop_length / source.hop_length)
    mag = _interp_rows(mag, freq_src, freq_dst)  # (n_freq_dst, frames_src)
    mag = _interp_rows(mag.T, torch.arange(x.shape[0], dtype=torch.float32), time_dst).T  # (n_freq_dst, frames_dst)
    return log_mel_from_magnitude(mag[None], target)[0]


def _interp_rows(values: torch.Tensor, grid: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Linear interpolation of values (len(grid), …) from sorted `grid` to `points`, clamped at the ends."""
    points = points.clamp(float(grid[0]), float(grid[-1]))
    idx = torch.searchsorted(grid, points).clamp(1, len(grid) - 1)
    lo, hi = grid[idx - 1], grid[idx]
    w = ((points - lo) / (hi - lo).clamp_min(1e-12)).view(-1, *[1] * (values.dim() - 1))
    return values[idx - 1] * (1 - w) + values[idx] * w
