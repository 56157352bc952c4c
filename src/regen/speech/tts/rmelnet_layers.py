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

Sampling runs thousands of tiny GRU steps per second of speech, where the cost is
the number of tensor operations, not arithmetic. So the per-frame `step` methods
skip `nn.GRU`'s set-up, the bidirectional frequency GRU of the time-delayed stack
advances both directions in one batched step (`FusedGRU`: one matmul gives every
gate's pre-activation; `GateBuffer` finishes the step in place), and `BinSampler`
runs the whole frequency-delayed stack and head as one matmul plus four
element-wise operations per layer and bin. Same functions of the same parameters
(rearranged once per sampling call, never stored), float32, sums regrouped.

Shapes: B batch, T frames, F bins, H hidden.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from regen.speech.tts.text_input import MixedTextEmbedding


class FusedGRU(NamedTuple):
    """A GRU's weights for one matmul per step: [x, h] @ weight + bias -> pre-activations (…, 4H).

    The four column blocks are [r and z gates | input part of n | hidden part of n], so
    `GateBuffer.update` can form n = tanh(i_n + r * h_n) as `nn.GRU` does. weight
    (D, in + H, 4H), bias (D, 1, 4H), D = 2 for a bidirectional GRU (direction 1 the
    reverse one), else 1. The input rows weight[:, :in] project a whole sequence at once.
    """

    weight: torch.Tensor
    bias: torch.Tensor

    @classmethod
    def of(cls, rnn: nn.GRU) -> FusedGRU:
        """Rearrange a one-layer `nn.GRU`'s parameters, in float32 (a copy; the module is untouched)."""
        h = rnn.hidden_size
        rz, n = slice(0, 2 * h), slice(2 * h, 3 * h)
        weights, biases = [], []
        for suffix in ("_l0", "_l0_reverse")[: 1 + int(rnn.bidirectional)]:
            w_ih, w_hh = getattr(rnn, "weight_ih" + suffix), getattr(rnn, "weight_hh" + suffix)
            b_ih, b_hh = getattr(rnn, "bias_ih" + suffix), getattr(rnn, "bias_hh" + suffix)
            inp = torch.cat([w_ih[rz], w_ih[n], torch.zeros_like(w_ih[n])])  # (4H, in)
            hid = torch.cat([w_hh[rz], torch.zeros_like(w_hh[n]), w_hh[n]])  # (4H, H)
            weights.append(torch.cat([inp, hid], 1).t())
            biases.append(torch.cat([b_ih[rz] + b_hh[rz], b_ih[n], b_hh[n]]))
        return cls(torch.stack(weights).float(), torch.stack(biases).unsqueeze(1).float())


def gru_cell_step(rnn: nn.GRU, x: torch.Tensor, h: torch.Tensor | None) -> torch.Tensor:
    """One step of a one-layer, one-direction `nn.GRU`: x (N, in), h (N, H) or None (zeros) -> new h (N, H)."""
    h = x.new_zeros(x.shape[0], rnn.hidden_size) if h is None else h
    return torch.gru_cell(x, h, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0)


class GateBuffer:
    """Preallocated `FusedGRU` pre-activations `pre` (…, 4H), float32, and views of its gates.

    Sampling fills `pre` with a matmul (out=pre), then `update` finishes the step in
    place: five tensor operations per GRU step, no allocation.
    """

    def __init__(self, shape: tuple[int, ...] | torch.Size, hidden: int, device: torch.device) -> None:
        self.pre = torch.empty(*shape, 4 * hidden, device=device)
        self.rz, self.n_in, self.n_hid = self.pre.split([2 * hidden, hidden, hidden], -1)
        self.r, self.z = self.rz.chunk(2, -1)

    def update(self, h: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """The new state (1 - z) n + z h from state h (…, H), written to `out` (may be h itself)."""
        self.rz.sigmoid_()
        torch.addcmul(self.n_in, self.r, self.n_hid, out=self.n_in).tanh_()
        return torch.lerp(self.n_in, h, self.z, out=out)


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

    def fuse(self) -> FusedGRU:
        """What `step` needs: the bidirectional frequency GRU, fused."""
        return FusedGRU.of(self.freq_rnn)

    def step(self, x: torch.Tensor, state: torch.Tensor | None, freq: FusedGRU) -> tuple[torch.Tensor, torch.Tensor]:
        """`forward` on one frame: x (N, F, H), state (1, N * F, H) or None -> (N, F, H), new state."""
        n, f, h = x.shape
        along_time = gru_cell_step(self.time_rnn, x.reshape(n * f, h), None if state is None else state[0])
        # Both directions at once, bin by bin; direction 1 reads the bins from the top.
        with torch.autocast(x.device.type, enabled=False):
            seq = torch.stack([x, x.flip(1)]).transpose(1, 2).reshape(2, f * n, h).float()
            inputs = torch.baddbmm(freq.bias, seq, freq.weight[:, :h]).view(2, f, n, -1).unbind(1)
            hidden, gates = freq.weight[:, h:], GateBuffer((2, n), h, x.device)
            outs = torch.empty(f, 2, n, h, device=x.device)
            prev = outs.new_zeros(2, n, h)
            for i, out in enumerate(outs.unbind(0)):
                torch.baddbmm(inputs[i], prev, hidden, out=gates.pre)
                prev = gates.update(prev, out)
        along_freq = torch.cat([outs[:, 0], outs.flip(0)[:, 1]], -1).transpose(0, 1)  # (N, F, 2H)
        mixed = torch.cat([along_time.view(n, f, h), along_freq.to(x.dtype)], -1)
        return x + self.proj(mixed), along_time.unsqueeze(0)


class CentralizedLayer(nn.Module):
    """(B, T, H) -> (B, T, H); GRU state (1, B, H)."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.proj = nn.Linear(hidden, hidden)

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        out, state = self.rnn(x, state)
        return x + self.proj(out), state

    def step(self, x: torch.Tensor, state: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """`forward` on one frame: x (N, H), state (1, N, H) or None -> (N, H), new state (1, N, H)."""
        new = gru_cell_step(self.rnn, x, None if state is None else state[0])
        return x + self.proj(new), new.unsqueeze(0)


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


class BinSampler:
    """The frequency-delayed stack and the output head run bin by bin on noisy multi-sample inputs.

    Built once per sampling call for `groups` (batch * candidates) groups of `copies`
    rows; `frame` then makes one frame. Every bin, each group's copies are averaged to
    mu and copy j is fed mu + noise[j].

    The stack is linear between its GRUs: layer i reads x_i + cond_i with
    x_i = in_freq(v) + bin_embed[f] + sum_{j<i} proj_j(h_j), and the head reads x_L.
    So every layer's gate pre-activations, and the copy-averaged head, are one matmul
    of the state s = [v, h_0, …, h_{L-1}] (rows, 1 + L * H) (layer i reads s[:, :1 + (i+1) H],
    its own previous h_i included) plus a per-bin term from cond_i and the biases. The
    folded weights are computed once here and s is one float32 buffer written with out=:
    five tensor operations per layer and bin. Same function, sums regrouped. The
    trade: layer i multiplies (i + 1) H + 1 inputs, so the arithmetic grows as L^2
    (at 3 layers about the per-module path's; at the paper's 5 layers of 256 about
    1.7 times it, which a CPU feels and a GPU, bound by operation count, does not).
    """

    def __init__(self, layers: Sequence[FrequencyDelayedLayer], in_freq: nn.Linear, bin_embed: torch.Tensor,
                 head: nn.Linear, groups: int, copies: int) -> None:
        rows, h, dev = groups * copies, bin_embed.shape[-1], bin_embed.device
        self.groups, self.copies = groups, copies
        shift = (bin_embed + in_freq.bias).float()  # (F, H): x_0 = v * in_freq.weight + shift
        reads = [in_freq.weight.float().t()]  # rows of s -> x_i, (1 + i * H, H)
        self.weights, self.bases, self.cond_weights = [], [], []
        for layer in layers:
            gru = FusedGRU.of(layer.rnn)
            w_x, w_h = gru.weight[0, :h], gru.weight[0, h:]
            self.weights.append(torch.cat([torch.cat(reads) @ w_x, w_h]))  # (1 + (i+1) H, 4H)
            self.bases.append(shift @ w_x + gru.bias[0])  # (F, 4H)
            self.cond_weights.append(w_x)
            reads.append(layer.proj.weight.float().t())
            shift = shift + layer.proj.bias.float()
        w_head = head.weight.float().t()  # (H, 1)
        self.head_weight = (torch.cat(reads) @ w_head / copies).repeat(copies, 1)  # (copies * (1 + L H), 1)
        self.head_bases = (shift @ w_head + head.bias.float()).unbind(0)  # per bin (1,)
        self.state = torch.zeros(rows, 1 + len(layers) * h, device=dev)
        self.reads = [self.state[:, : 1 + (i + 1) * h] for i in range(len(layers))]
        self.hs = [self.state[:, 1 + i * h: 1 + (i + 1) * h] for i in range(len(layers))]
        self.value = self.state[:, 0].view(groups, copies)
        self.gates = [GateBuffer((rows,), h, dev) for _ in layers]

    def frame(self, conds: Sequence[torch.Tensor], noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """conds: per layer (rows, F, H) conditioning; noise (groups, copies, F) each copy's draw.

        Returns the frame of averaged means (groups, F) and the noisy inputs fed (rows, F), float32.
        """
        rows, bins, h = conds[0].shape
        per_bin, state = noise.float().unbind(-1), self.state.view(self.groups, -1)
        self.state.zero_()  # the frequency GRUs start every frame from zero, and v from 0
        means = []
        with torch.autocast(self.state.device.type, enabled=False):
            # Per layer, every bin's share of the gates from the conditioning and the biases, at once.
            terms = [(torch.mm(c.reshape(rows * bins, h).float(), w).view(rows, bins, -1) + base).unbind(1)
                     for c, w, base in zip(conds, self.cond_weights, self.bases)]
            layers = list(zip(terms, self.reads, self.weights, self.gates, self.hs))
            for f in range(bins):
                for term, read, weight, gates, hf in layers:
                    torch.addmm(term[f], read, weight, out=gates.pre)
                    gates.update(hf, hf)
                mu = torch.addmm(self.head_bases[f], state, self.head_weight)  # (groups, 1)
                torch.add(mu, per_bin[f], out=self.value)
                means.append(mu)
        mean = torch.cat(means, 1)
        return mean, (mean.unsqueeze(1) + noise.float()).view(rows, bins)


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
