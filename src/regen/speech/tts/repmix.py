"""Representation Mixing TTS (thesis ch. 4): mixed char/phone text -> log-mel frames.

The converter X -> Y' of speech: X is a representation-mixed symbol sequence
(`regen.speech.text.mixing`), Y' a normalised log-mel spectrogram (`regen.speech.features.mel`).

    embeddings   e_f = E_m[m] + (1 - m) E_c[char] + m E_p[phone]         (eqs. 4.1-4.2)
    encoder      SMRC: stacks of concatenated 1/3/5-wide convolutions, batch norm,
                 ReLU, residual; then a bidirectional LSTM                 (4.2.2)
    prenet       linear layers with dropout that stays on at inference     (4.2.3)
    attention    an LSTM on [prenet, previous context] drives softplus-step GMM
                 attention (`regen.nn.gmm_attention`)                      (4.2.4)
    decoder      LSTMs on [prenet, context, layer below] with cell dropout,
                 a linear projection to the next frame, mean squared error
    TBPTT        the decoder runs in chunks of `tbptt` frames; state crosses a
                 chunk boundary detached, and training steps the optimiser once
                 per chunk (`chunk_step_loss`)                             (4.2.5)
    reduction    each decoder step emits `reduction` frames (Tacotron's r); the
                 prenet reads the last of them. The thesis uses 1; the tiny CPU
                 config uses 4, which shortens the recursion fourfold.
    guided       optional (`guided_attention` > 0, not in the thesis): a guided-
                 attention prior added to the loss with that weight
                 (`regen.nn.attention_prior`), an alignment aid: `guided_prior`
                 'diagonal' (Tachibana et al.'s even pace) or 'timing' (the path the
                 voice's word timings give, the batch's `attn_path`)

Tensors: text `cond` (batch, length, 3) int64 holding [char_id, phone_id, mask] per
position (zero rows pad; see `regen.speech.tts.text_input`); mel (batch, frames, n_mels).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from regen.core.errors import RegenError
from regen.nn.attention_prior import diagonal_penalty
from regen.nn.gmm_attention import GMMAttention
from regen.speech.tts.repmix_layers import CellDropoutLSTMCell, DecoderState, SMRCLayer
from regen.speech.tts.rerank import reached_end
from regen.speech.tts.stage import Generated, TTSStage
from regen.speech.tts.text_input import MixedTextEmbedding, text_lengths

GUIDED_PRIORS = ("diagonal", "timing")


@dataclass
class RepMixConfig:
    """Network sizes; defaults are Table 4.2 (`configs/speech/repmix-paper.yaml`)."""

    mel: str = "ch4"
    n_mels: int = 80
    embed_dim: int = 15
    smrc_channels: int = 128
    smrc_stacks: int = 3
    enc_hidden: int = 128
    prenet_dim: int = 128
    prenet_layers: int = 2
    prenet_dropout: float = 0.5
    attn_hidden: int = 512
    mixtures: int = 10
    dec_hidden: int = 512
    dec_layers: int = 2
    cell_dropout: float = 0.075
    tbptt: int = 256
    reduction: int = 1
    guided_attention: float = 0.0
    guided_width: float = 0.2
    guided_prior: str = "diagonal"

    def __post_init__(self) -> None:
        if min(self.n_mels, self.embed_dim, self.smrc_channels, self.smrc_stacks, self.enc_hidden, self.prenet_dim,
               self.prenet_layers, self.attn_hidden, self.mixtures, self.dec_hidden, self.dec_layers, self.tbptt,
               self.reduction) < 1:
            raise ValueError("all sizes must be >= 1")
        if not (0 <= self.prenet_dropout < 1 and 0 <= self.cell_dropout < 1):
            raise ValueError("dropout probabilities must lie in [0, 1)")
        if self.guided_attention < 0 or self.guided_width <= 0:
            raise ValueError("guided_attention must be >= 0 and guided_width > 0")
        if self.guided_prior not in GUIDED_PRIORS:
            raise ValueError(f"guided_prior must be one of {', '.join(GUIDED_PRIORS)}, got '{self.guided_prior}'")

    @property
    def timing_prior(self) -> bool:
        """Whether training needs the word-timing attention path (`attn_path`) in its batches."""
        return self.guided_attention > 0 and self.guided_prior == "timing"


class RepMixTTS(TTSStage):
    """Text (repmix) -> normalised log-mel converter Stage; see the module docstring.

    Training batch: `cond` (batch, length, 3) int64, `target` (batch, frames, n_mels)
    raw log-mel, optional `target_lengths` (batch,). The loss is the MSE of
    next-frame prediction in normalised units over valid frames.
    """

    def __init__(self, cfg: RepMixConfig) -> None:
        super().__init__(cfg.n_mels)
        self.cfg = cfg
        self.embed = MixedTextEmbedding(cfg.embed_dim)
        width = 3 * cfg.smrc_channels
        self.smrc = nn.ModuleList(SMRCLayer(cfg.embed_dim if k == 0 else width, cfg.smrc_channels)
                                  for k in range(cfg.smrc_stacks))
        self.bilstm = nn.LSTM(width, cfg.enc_hidden, batch_first=True, bidirectional=True)
        mem = 2 * cfg.enc_hidden
        self.prenet = nn.ModuleList(nn.Linear(cfg.n_mels if k == 0 else cfg.prenet_dim, cfg.prenet_dim)
                                    for k in range(cfg.prenet_layers))
        self.attn_rnn = CellDropoutLSTMCell(cfg.prenet_dim + mem, cfg.attn_hidden, cfg.cell_dropout)
        self.attention = GMMAttention(cfg.attn_hidden, cfg.mixtures)
        below = [cfg.attn_hidden] + [cfg.dec_hidden] * (cfg.dec_layers - 1)
        self.dec_rnns = nn.ModuleList(CellDropoutLSTMCell(cfg.prenet_dim + mem + b, cfg.dec_hidden, cfg.cell_dropout)
                                      for b in below)
        self.out = nn.Linear(cfg.dec_hidden, cfg.n_mels * cfg.reduction)
        self._carry: dict[str, Any] | None = None  # truncated-BPTT state between training steps

    def encode_text(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """cond (batch, length, 3) -> memory (batch, length, 2 * enc_hidden), mask (batch, length) bool."""
        x, mask, lengths = self.embed(cond)
        h = x.transpose(1, 2) * mask[:, None]
        for layer in self.smrc:
            h = layer(h, mask.float())
        packed = nn.utils.rnn.pack_padded_sequence(h.transpose(1, 2), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        out, _ = self.bilstm(packed)
        memory, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=cond.shape[1])
        return memory, mask

    def prenet_forward(self, frame: torch.Tensor) -> torch.Tensor:
        """(batch, n_mels) -> (batch, prenet_dim); linear layers, dropout always on (also in eval)."""
        for layer in self.prenet:
            frame = F.dropout(layer(frame), self.cfg.prenet_dropout, training=True)
        return frame

    def initial_state(self, memory: torch.Tensor) -> DecoderState:
        """Zero frame, context and LSTM states; attention means on the first token."""
        b, dev = memory.shape[0], memory.device
        zeros = lambda d: torch.zeros(b, d, device=dev, dtype=memory.dtype)  # noqa: E731
        cells = [(zeros(self.cfg.attn_hidden), zeros(self.cfg.attn_hidden))]
        cells += [(zeros(self.cfg.dec_hidden), zeros(self.cfg.dec_hidden)) for _ in self.dec_rnns]
        return DecoderState(zeros(self.cfg.n_mels), zeros(memory.shape[-1]), self.attention.init_state(b, dev), cells)

    def step(self, state: DecoderState, memory: torch.Tensor,
             mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, DecoderState]:
        """One decoder step: prediction (batch, reduction, n_mels), weights (batch, inputs), new state."""
        pre = self.prenet_forward(state.frame)
        h, c = self.attn_rnn(torch.cat([pre, state.context], -1), state.cells[0])
        context, weights, kappa = self.attention(h, memory, mask, state.kappa)
        cells, below = [(h, c)], h
        for rnn, cell in zip(self.dec_rnns, state.cells[1:]):
            hd, cd = rnn(torch.cat([pre, context, below], -1), cell)
            cells.append((hd, cd))
            below = hd
        frames = self.out(below).view(below.shape[0], self.cfg.reduction, self.cfg.n_mels)
        return frames, weights, DecoderState(frames[:, -1], context, kappa, cells)

    def decode_teacher_forced(self, target: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor,
                              state: DecoderState) -> tuple[torch.Tensor, torch.Tensor, DecoderState]:
        """Predict frames of target (batch, frames, n_mels), frames a multiple of `reduction`,
        from the true previous ones.

        Returns predictions (batch, frames, n_mels), alignment (batch, frames / reduction,
        inputs) (one row per decoder step), final state.
        """
        r = self.cfg.reduction
        preds, aligns = [], []
        for t in range(0, target.shape[1], r):
            frames, weights, state = self.step(state, memory, mask)
            preds.append(frames)
            aligns.append(weights)
            state.frame = target[:, t + r - 1]
        return torch.cat(preds, 1), torch.stack(aligns, 1), state

    def pad_to_steps(self, target: torch.Tensor) -> torch.Tensor:
        """Zero-pad (batch, frames, n_mels) to a whole number of decoder steps."""
        return F.pad(target, (0, 0, 0, -target.shape[1] % self.cfg.reduction))

    def _frame_mask(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        target = batch["target"]
        lengths = batch.get("target_lengths")
        if lengths is None:
            return torch.ones(target.shape[:2], dtype=torch.bool, device=target.device)
        return torch.arange(target.shape[1], device=target.device)[None] < lengths.to(target.device)[:, None]

    @property
    def chunk_frames(self) -> int:
        """Frames per truncated-BPTT chunk: `tbptt` rounded up to whole decoder steps."""
        return -(-self.cfg.tbptt // self.cfg.reduction) * self.cfg.reduction

    def _chunk_part(self, batch: dict[str, torch.Tensor], start: int,
                    state: DecoderState | None) -> tuple[dict[str, torch.Tensor], DecoderState]:
        """The losses of the chunk of frames [start, start + chunk_frames) decoded from `state` (None: the
        initial state; otherwise detached first), and the state it leaves. The text is encoded anew, so
        the chunk owns its graph. Keys: `loss`, `frames` (its valid frames, detached), and with the
        guided prior on, `target` (the chunk's `chunk_loss`) and `guide` (the prior's penalty)."""
        r = self.cfg.reduction
        valid = self.pad_to_steps(self._frame_mask(batch)[..., None].float())[..., 0] > 0
        target = self.pad_to_steps(self.normalize(batch["target"]))
        memory, mask = self.encode_text(batch["cond"])
        state = self.initial_state(memory) if state is None else state.detach()
        chunk = target[:, start: start + self.chunk_frames]
        pred, align, state = self.decode_teacher_forced(chunk, memory, mask, state)
        chunk_valid = valid[:, start: start + chunk.shape[1]]
        part = {"loss": self.chunk_loss(pred, chunk, chunk_valid), "frames": chunk_valid.sum().clamp_min(1).detach()}
        if self.cfg.guided_attention > 0:
            total_steps = torch.div(valid.sum(1) + r - 1, r, rounding_mode="floor")
            path = batch.get("attn_path") if self.cfg.guided_prior == "timing" else None
            positions = None if path is None else self.pad_to_steps(path[..., None])[:, start: start + chunk.shape[1]: r, 0]
            guide = diagonal_penalty(align, mask.sum(-1), total_steps, start // r, self.cfg.guided_width, positions)
            part = {**part, "target": part["loss"], "guide": guide,
                    "loss": part["loss"] + self.cfg.guided_attention * guide}
        return part, state

    def tbptt_losses(self, batch: dict[str, torch.Tensor]) -> Iterator[dict[str, torch.Tensor]]:
        """Truncated BPTT over a whole batch: one loss dict (see `_chunk_part`) per chunk of
        `chunk_frames` frames, the decoder state crossing chunk boundaries detached."""
        state = None
        for start in range(0, self.pad_to_steps(batch["target"]).shape[1], self.chunk_frames):
            part, state = self._chunk_part(batch, start, state)
            yield part

    def chunk_step_loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """One truncated-BPTT training step: chunk `_chunk` of batch `_group` (`regen.train.data.
        ChunkedStepBatches`), decoded from the state the step before left (rebuilt with the current
        weights, without gradients, if a resumed run lacks it)."""
        group, index = int(batch["_group"]), int(batch["_chunk"])
        state = None
        if index > 0:
            carry = self._carry
            if carry is not None and (carry["group"], carry["chunk"]) == (group, index - 1):
                state = carry["state"]
            else:
                with torch.no_grad():
                    for c in range(index):
                        state = self._chunk_part(batch, c * self.chunk_frames, state)[1]
        part, state = self._chunk_part(batch, index * self.chunk_frames, state)
        self._carry = {"group": group, "chunk": index, "state": state.detach()}
        return {k: v for k, v in part.items() if k != "frames"}

    def carry_state(self) -> dict[str, Any]:
        """The state carried into the next training chunk, as tensors (for training checkpoints)."""
        if self._carry is None:
            return {}
        state = self._carry["state"]
        cells = {f"cell{k}_{j}": t for k, cell in enumerate(state.cells) for j, t in enumerate(cell)}
        return {"group": self._carry["group"], "chunk": self._carry["chunk"], "frame": state.frame,
                "context": state.context, "kappa": state.kappa, **cells}

    def load_carry_state(self, saved: dict[str, Any]) -> None:
        if not saved:
            self._carry = None
            return
        cells = [(saved[f"cell{k}_0"], saved[f"cell{k}_1"]) for k in range(1 + len(self.dec_rnns))]
        self._carry = {"group": int(saved["group"]), "chunk": int(saved["chunk"]),
                       "state": DecoderState(saved["frame"], saved["context"], saved["kappa"], cells)}

    def chunk_loss(self, pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """MSE of pred against target (batch, frames, n_mels), normalised, over valid (batch, frames) frames."""
        err = ((pred.float() - target.float()) ** 2).mean(-1)
        return (err * valid).sum() / valid.sum().clamp_min(1)

    @torch.no_grad()
    def teacher_forced_alignment(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Attention (batch, steps, inputs) while reading the batch's true frames."""
        memory, mask = self.encode_text(batch["cond"])
        target = self.pad_to_steps(self.normalize(batch["target"]))
        return self.decode_teacher_forced(target, memory, mask, self.initial_state(memory))[1]

    def loss(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Chunk losses (and their parts) weighted by their valid frames; gradients truncated every
        `tbptt` frames. A batch of a truncated-BPTT stream (with `_chunk`) trains its one chunk."""
        if "_chunk" in batch:
            return self.chunk_step_loss(batch)
        sums: dict[str, torch.Tensor] = {}
        frames = 0
        for part in self.tbptt_losses(batch):
            for key, value in part.items():
                if key != "frames":
                    sums[key] = sums.get(key, 0) + value * part["frames"]
            frames = frames + part["frames"]
        return {key: value / frames for key, value in sums.items()}

    @torch.no_grad()
    def generate(self, cond: torch.Tensor, max_frames: int = 1000, stop_threshold: float = 0.5,
                 tail_frames: int = 0) -> Generated:
        """Free-running synthesis of cond (batch, length, 3).

        A row stops `tail_frames` decoder steps after its attention first reaches the end
        of its text (`rerank.reached_end` at `stop_threshold`), or at `max_frames` decoder steps
        (each of `reduction` frames). `Generated.alignment` has one row per step,
        `Generated.lengths` counts frames.
        """
        if max_frames < 1:
            raise RegenError(f"max_frames must be >= 1, got {max_frames}")
        memory, mask = self.encode_text(cond)
        last = text_lengths(cond) - 1
        state = self.initial_state(memory)
        lengths = torch.full_like(last, max_frames)
        stop_at = torch.full_like(last, -1)
        frames, aligns = [], []
        for t in range(max_frames):
            frame, weights, state = self.step(state, memory, mask)
            frames.append(frame)
            aligns.append(weights)
            reached = reached_end(weights, last, stop_threshold) & (stop_at < 0)
            stop_at = torch.where(reached, torch.full_like(stop_at, t), stop_at)
            done = (stop_at >= 0) & (t >= stop_at + tail_frames)
            lengths = torch.where(done & (lengths == max_frames), torch.full_like(lengths, t + 1), lengths)
            if bool((lengths < max_frames).all()):
                break
        mel = torch.cat(frames, 1)
        lengths = lengths * self.cfg.reduction
        valid = torch.arange(mel.shape[1], device=mel.device)[None] < lengths[:, None]
        return Generated(mel * valid[..., None], lengths, torch.stack(aligns, 1).float())

    def sample(self, cond: torch.Tensor, n: int = 1, **controls: Any) -> torch.Tensor:
        """(batch, length, 3) -> raw log-mel (batch * n, frames, n_mels); see `generate`.

        The last call's `Generated` (normalised mel, lengths, attention alignment) is
        kept in `self.last_generated`. The prenet dropout makes the n draws differ.
        """
        out = self.generate(cond.repeat_interleave(n, dim=0), **controls)
        self.last_generated = out
        return self.denormalize(out.mel)
