"""Layers the ASR encoders share."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def length_mask(lengths: torch.Tensor, size: int, device: torch.device) -> torch.Tensor:
    """(batch, size) bool on `device`: True at the first lengths[b] positions of row b."""
    return torch.arange(size, device=device)[None] < lengths.to(device)[:, None]


class BiLSTMStack(nn.Module):
    """Bidirectional LSTM layers over padded sequences: (batch, time, d_in) -> (batch, time, 2 hidden)."""

    def __init__(self, d_in: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.lstm = nn.LSTM(d_in, hidden, layers, batch_first=True, bidirectional=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths.cpu().clamp_min(1), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        return self.dropout(pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0])
