"""RepMix's building blocks: the SMRC encoder layer, the cell-dropout LSTM cell, the decoder state.

Shapes are given per class; `regen.speech.tts.repmix` composes them into the converter.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


class SMRCLayer(nn.Module):
    """Concatenated 1/3/5-wide 1-D convolutions, batch norm, ReLU, residual when shapes agree.

    (batch, in_dim, length) -> (batch, 3 * channels, length).
    """

    def __init__(self, in_dim: int, channels: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv1d(in_dim, channels, k, padding=k // 2) for k in (1, 3, 5))
        self.norm = nn.BatchNorm1d(3 * channels)
        self.residual = in_dim == 3 * channels

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.norm(torch.cat([conv(x) for conv in self.convs], dim=1)))
        return (y + x if self.residual else y) * mask[:, None]


class CellDropoutLSTMCell(nn.Module):
    """LSTM cell with recurrent dropout on the cell update (Semeniuta et al., 2016).

    c' = f c + i dropout(tanh(g)); input (batch, in_dim), state two (batch, hidden).
    """

    def __init__(self, in_dim: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.cell = nn.LSTMCell(in_dim, hidden)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        h, c = state
        cell = self.cell
        gates = F.linear(x, cell.weight_ih, cell.bias_ih) + F.linear(h, cell.weight_hh, cell.bias_hh)
        i, f, g, o = gates.chunk(4, dim=-1)
        update = F.dropout(torch.tanh(g), self.dropout, self.training)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * update
        return torch.sigmoid(o) * torch.tanh(c), c


@dataclass
class DecoderState:
    """Recurrent state carried across frames (and, detached, across TBPTT chunks)."""

    frame: torch.Tensor  # (batch, n_mels) previous output frame
    context: torch.Tensor  # (batch, mem_dim)
    kappa: torch.Tensor  # (batch, mixtures)
    cells: list[tuple[torch.Tensor, torch.Tensor]]  # attention LSTM, then decoder LSTMs

    def detach(self) -> "DecoderState":
        return DecoderState(self.frame.detach(), self.context.detach(), self.kappa.detach(),
                            [(h.detach(), c.detach()) for h, c in self.cells])
