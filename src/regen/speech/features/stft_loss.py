"""Multi-resolution STFT magnitude loss (Yamamoto et al. 2020, Parallel WaveGAN, eqs. 5-7).

For each resolution (n_fft, hop), with a Hann window of n_fft samples:

    spectral convergence  || |S| - |S^| ||_F / || |S| ||_F
    log-magnitude         mean | log |S| - log |S^| |

summed over resolutions. It compares magnitudes only, so a prediction is not
penalised for a phase the target happens to have, unlike sample-wise MSE, yet a
misplaced or wrongly coloured sound costs what it should.

Masking: samples outside `valid` are zeroed in both signals before the STFT, and an
STFT frame counts only when its centre sample is valid. Both norms of the
spectral convergence and the log-magnitude mean are pooled over the batch's valid
frames, so fully padded rows weigh nothing.

The STFT is `torch.stft(center=True, pad_mode="constant")`, not the cached
`regen.speech.features.stft.FramedSTFT`: that pair reflect-pads (which needs signals
longer than n_fft / 2; a loss sees short tails) and keeps its window on the CPU.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

RESOLUTIONS: tuple[tuple[int, int], ...] = ((512, 128), (1024, 256), (2048, 512))
MAGNITUDE_FLOOR = 1e-7  # on the power |S|^2, as Parallel WaveGAN: keeps log and sqrt finite


def stft_magnitude(wave: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """(batch, samples) -> |STFT| (batch, 1 + samples // hop, n_fft // 2 + 1), Hann window, centred."""
    window = torch.hann_window(n_fft, device=wave.device, dtype=wave.dtype)
    spec = torch.stft(wave, n_fft, hop, window=window, center=True, pad_mode="constant", return_complex=True)
    return (spec.real.square() + spec.imag.square()).clamp_min(MAGNITUDE_FLOOR).sqrt().transpose(1, 2)


def multi_resolution_stft_loss(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor | None = None,
                               resolutions: Sequence[tuple[int, int]] = RESOLUTIONS) -> torch.Tensor:
    """Sum over `resolutions` of spectral convergence + log-magnitude L1; a scalar.

    pred, target (batch, samples) waveforms; valid (batch, samples) bool, None for all
    valid (see the module docstring).
    """
    if pred.dim() != 2 or pred.shape != target.shape:
        raise ValueError(f"pred and target must both be (batch, samples), got {tuple(pred.shape)}, "
                         f"{tuple(target.shape)}")
    pred, target = pred.float(), target.float()
    if valid is None:
        valid = torch.ones_like(pred, dtype=torch.bool)
    pred, target = pred * valid, target * valid
    total = pred.new_zeros(())
    for n_fft, hop in resolutions:
        p, t = stft_magnitude(pred, n_fft, hop), stft_magnitude(target, n_fft, hop)
        centres = F.pad(valid, (0, hop))[:, ::hop][:, : p.shape[1]]
        mask = centres[..., None].to(p.dtype)
        convergence = torch.linalg.vector_norm((t - p) * mask) / torch.linalg.vector_norm(t * mask).clamp_min(1e-8)
        log_l1 = ((t.log() - p.log()).abs() * mask).sum() / (mask.sum() * p.shape[-1]).clamp_min(1)
        total = total + convergence + log_l1
    return total
