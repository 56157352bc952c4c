"""Building blocks of the one-tier MelNet used by R-MelNet (thesis ch. 6.2.2).

MelNet (Vasquez and Lewis, 2019) predicts a spectrogram x (batch, time, freq) one
bin at a time, in time-major order: x[t, f] may depend on every earlier frame
x[<t, :] and on the lower bins of its own frame x[t, <f]. Three residual stacks
enforce this ordering; every stack is a GRU of width `hidden` followed by a linear
projection added back to its input (residual connections, as in the thesis).

    time-delayed stack    reads x shifted one frame later (row t holds x[t-1]); one GRU
                          runs forward in time along every bin, two GRUs run up and
                          down the frequency axis of every row. Row t sees x[<t] only.
    centralized stack     one GRU forward in time over whole-frame vectors (row t
                          again sees x[<t]); broadcast over frequency.
    frequency-delayed     reads x shifted one bin higher (bin f holds x[t, f-1]); one
    stack                 GRU runs up the frequency axis of each row, its input being
                          its own previous layer plus this layer's time-delayed and
                          centralized outputs. Bin (t, f) sees x[<t] and x[t, <f].

Every layer takes an optional GRU state so the same module serves teacher-forced
training (whole sequences) and cached sampling (one row, then one bin at a time):
the time-delayed and centralized stacks run once per generated frame and the
frequency-delayed stack once per bin, reusing the cached rows (thesis ch. 6.2.5).

Shapes: B batch, T frames, F bins, H hidden.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from regen.speech.tts.repmix import MixedTextEmbedding


class TimeDelayedLayer(nn.Module):
    """(B, T, F, H) -> (B, T, F, H); GRU state (1, B * F, H) for the time recursion."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.time_rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.freq_rnn = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(3 * hidden, hidden)

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        b, t, f, h = x.shape
        along_time, state = self.time_rnn(x.transpose(1, 2).reshape(b * f, t, h), state)
        along_time = along_time.reshape(b, f, t, h).transpose(1, 2)
        along_freq, _ = self.freq_rnn(x.reshape(b * t, f, h))
        mixed = torch.cat([along_time, along_freq.reshape(b, t, f, 2 * h)], dim=-1)
        return x + self.proj(mixed), state


class CentralizedLayer(nn.Module):
    """(B, T, H) -> (B, T, H); GRU state (1, B, H)."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.proj = nn.Linear(hidden, hidden)

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        out, state = self.rnn(x, state)
        return x + self.proj(out), state


class FrequencyDelayedLayer(nn.Module):
    """x (B, T, F, H) and cond (B, T, F, H) -> (B, T, F, H); GRU state (1, B * T, H).

    `cond` is the same layer's time-delayed output plus the broadcast centralized
    output; for one bin at a time pass F = 1 and carry the state.
    """

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.proj = nn.Linear(hidden, hidden)

    def forward(self, x: torch.Tensor, cond: torch.Tensor,
                state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        b, t, f, h = x.shape
        out, state = self.rnn((x + cond).reshape(b * t, f, h), state)
        return x + self.proj(out.reshape(b, t, f, h)), state

    def step(self, x: torch.Tensor, cond: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One bin of `forward`, for sampling: x, cond, state (N, H) -> output (N, H), new state (N, H).

        Calls the GRU cell on the layer's own weights, skipping `nn.GRU`'s per-call
        set-up, which dominates bin-by-bin sampling at small widths.
        """
        rnn = self.rnn
        state = torch.gru_cell(x + cond, state, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0)
        return x + self.proj(state), state


class MixedTextEncoder(nn.Module):
    """Representation-mixing embeddings fed straight into a bidirectional LSTM (ch. 6.2.2).

    e = (1 - m) E_c[char] + m E_p[phone] + E_m[m]; no convolutional subnet.
    cond (B, N, 3) int64 [char_id, phone_id, mask] -> memory (B, N, 2 * hidden),
    mask (B, N) bool (True on real tokens).
    """

    def __init__(self, embed_dim: int, hidden: int) -> None:
        super().__init__()
        self.embed = MixedTextEmbedding(embed_dim, std=1 / math.sqrt(embed_dim))
        self.bilstm = nn.LSTM(embed_dim, hidden, batch_first=True, bidirectional=True)

    def forward(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x, mask, lengths = self.embed(cond)
        packed = nn.utils.rnn.pack_padded_sequence(x * mask[..., None], lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        out, _ = self.bilstm(packed)
        memory, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=cond.shape[1])
        return memory, mask
