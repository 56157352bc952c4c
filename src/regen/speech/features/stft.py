"""A lean centred STFT / inverse STFT pair for iterative phase recovery.

Same numbers as `torch.stft(..., center=True, pad_mode="reflect")` with a periodic
Hann window, but frames stay in (batch, frames, freq) layout, the inverse's window
envelope is computed once per length, and overlap-add is a few strided adds when
n_fft is a multiple of the hop (true for every config here). Griffin-Lim calls this
pair hundreds of times, so these savings are most of its speed.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F


class FramedSTFT:
    """STFT of signals of one fixed length.

    forward: (batch, samples) -> complex (batch, frames, n_fft // 2 + 1)
    inverse: complex (batch, frames, n_fft // 2 + 1) -> (batch, samples)
    """

    def __init__(self, n_fft: int, hop: int, win_length: int, length: int) -> None:
        self.n_fft, self.hop, self.length = n_fft, hop, length
        window = torch.hann_window(win_length, periodic=True)
        left = (n_fft - win_length) // 2
        self.window = F.pad(window, (left, n_fft - win_length - left))
        self.pad = n_fft // 2
        self.frames = 1 + length // hop
        self.padded = (self.frames - 1) * hop + n_fft
        envelope = self._overlap_add(self.window.pow(2).expand(1, self.frames, n_fft))[0]
        self.inv_envelope = torch.where(envelope > 1e-11, 1.0 / envelope.clamp_min(1e-11), torch.zeros_like(envelope))
        if self.pad >= length:
            raise ValueError(f"signal of {length} samples is too short for n_fft {n_fft}")

    def _overlap_add(self, frames: torch.Tensor) -> torch.Tensor:
        """(batch, frames, n_fft) -> (batch, padded) summed at hop offsets."""
        batch = frames.shape[0]
        if self.n_fft % self.hop == 0:
            k = self.n_fft // self.hop
            blocks = frames.reshape(batch, self.frames, k, self.hop)
            out = frames.new_zeros(batch, self.frames + k - 1, self.hop)
            for j in range(k):
                out[:, j : j + self.frames] += blocks[:, :, j]
            return out.reshape(batch, -1)[:, : self.padded]
        folded = F.fold(frames.transpose(1, 2), (1, self.padded), (1, self.n_fft), stride=(1, self.hop))
        return folded.reshape(batch, self.padded)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        padded = F.pad(wave.unsqueeze(1), (self.pad, self.pad), mode="reflect").squeeze(1)
        return torch.fft.rfft(padded.unfold(-1, self.n_fft, self.hop) * self.window, dim=-1)

    def inverse(self, spec: torch.Tensor) -> torch.Tensor:
        frames = torch.fft.irfft(spec, n=self.n_fft, dim=-1).mul_(self.window)
        signal = self._overlap_add(frames).mul_(self.inv_envelope)
        return signal[:, self.pad : self.pad + self.length]


@functools.lru_cache(maxsize=8)
def framed_stft(n_fft: int, hop: int, win_length: int, length: int) -> FramedSTFT:
    """A cached `FramedSTFT` for this geometry."""
    return FramedSTFT(n_fft, hop, win_length, length)
