"""Step-indexed batches: the batch of optimizer step s depends only on (seed, s).

That makes a resumed run see exactly the batches an uninterrupted one sees,
whatever the epoch bookkeeping, and shards each global batch across DDP ranks.
For truncated backpropagation through time, `ChunkedStepBatches` visits each
batch for as many consecutive steps as its longest sequence has chunks; for data
from several sources (paired speech and text alone, say), `MixedStepBatches` fills
every batch with a fixed share of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import torch
from torch.utils.data import IterableDataset


class StepBatches(IterableDataset):
    """An endless stream of batches drawn from aligned tensors.

    tensors: name -> (N, ...) tensors sharing the first dimension. Global batch b
    takes items [b*B*W, (b+1)*B*W) of a stream of per-epoch permutations seeded by
    (seed, epoch); rank r keeps its slice of B. Each batch carries `_index` = b.
    """

    def __init__(self, tensors: dict[str, torch.Tensor], batch_size: int, seed: int,
                 start: int = 0, rank: int = 0, world_size: int = 1) -> None:
        sizes = {len(t) for t in tensors.values()}
        if len(sizes) != 1 or not sizes or sizes == {0}:
            raise ValueError(f"training tensors must be non-empty and aligned, got sizes {sizes}")
        self.tensors = tensors
        self.n = sizes.pop()
        self.batch_size = batch_size
        self.seed = seed
        self.start = start
        self.rank = rank
        self.world_size = world_size

    def _permutation(self, epoch: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(self.n, generator=gen)

    def batch_indices(self, b: int, rank: int | None = None) -> torch.Tensor:
        """Item indices of global batch `b` for this rank (or `rank`): (batch_size,)."""
        global_size = self.batch_size * self.world_size
        first = b * global_size + (self.rank if rank is None else rank) * self.batch_size
        positions = torch.arange(first, first + self.batch_size)
        epochs = positions // self.n
        out = torch.empty_like(positions)
        for epoch in epochs.unique().tolist():
            sel = epochs == epoch
            out[sel] = self._permutation(epoch)[positions[sel] % self.n]
        return out

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        b = self.start
        while True:
            idx = self.batch_indices(b)
            batch = {k: v[idx] for k, v in self.tensors.items()}
            batch["_index"] = torch.tensor(b)
            yield batch
            b += 1


class ChunkedStepBatches(StepBatches):
    """Batches for truncated BPTT: step s visits chunk c of batch g.

    Batch g (drawn as `StepBatches` draws batch g) is visited for ceil(L / chunk) consecutive
    steps, L the longest `lengths_key` value in its global batch (so every rank agrees), one
    chunk of `chunk` time steps per step. Every batch carries `_index` = s (the step, for
    seeding), `_group` = g and `_chunk` = c; the model trains chunk c with the state its
    previous step left. The mapping s -> (g, c) depends only on (seed, s), so a resumed run
    continues mid-batch where it stopped.
    """

    def __init__(self, tensors: dict[str, torch.Tensor], batch_size: int, seed: int, lengths_key: str,
                 chunk: int, start: int = 0, rank: int = 0, world_size: int = 1) -> None:
        super().__init__(tensors, batch_size, seed, start, rank, world_size)
        if chunk < 1:
            raise ValueError(f"chunk must be >= 1, got {chunk}")
        self.lengths = tensors[lengths_key]
        self.chunk = chunk

    def chunks(self, g: int) -> int:
        """Steps spent on batch g: chunks of its global batch's longest sequence (at least 1)."""
        longest = max(int(self.lengths[self.batch_indices(g, r)].max()) for r in range(self.world_size))
        return max(1, -(-longest // self.chunk))

    def locate(self, step: int) -> tuple[int, int]:
        """(batch g, chunk c) of step `step`."""
        g = 0
        while step >= (n := self.chunks(g)):
            step -= n
            g += 1
        return g, step

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        s = self.start
        g, c = self.locate(s)
        while True:
            idx = self.batch_indices(g)
            batch = {k: v[idx] for k, v in self.tensors.items()}
            for c in range(c, self.chunks(g)):
                yield {**batch, "_index": torch.tensor(s), "_group": torch.tensor(g), "_chunk": torch.tensor(c)}
                s += 1
            g, c = g + 1, 0


@dataclass
class Mixture:
    """Training data from several sources (name -> aligned tensors, sources of different sizes); every
    batch holds `shares[name]` of its rows from each source, under keys 'name/key'."""

    sources: dict[str, dict[str, torch.Tensor]]
    shares: dict[str, float]

    def __post_init__(self) -> None:
        if set(self.sources) != set(self.shares) or not self.sources:
            raise ValueError(f"a mixture needs one share per source, got {sorted(self.shares)} for {sorted(self.sources)}")
        if any(s <= 0 for s in self.shares.values()):
            raise ValueError("mixture shares must be > 0")

    def rows(self) -> int:
        """Rows over all sources."""
        return sum(len(next(iter(t.values()))) for t in self.sources.values())

    def split(self, batch_size: int) -> dict[str, int]:
        """Rows per source in a batch of `batch_size` (largest remainders; at least one each)."""
        total = sum(self.shares.values())
        want = {k: batch_size * v / total for k, v in self.shares.items()}
        sizes = {k: max(1, int(w)) for k, w in want.items()}
        for k in sorted(want, key=lambda k: int(want[k]) - want[k])[: max(0, batch_size - sum(sizes.values()))]:
            sizes[k] += 1
        return sizes


class MixedStepBatches(IterableDataset):
    """Batches of a `Mixture`: step s joins batch s of one `StepBatches` per source (seeded apart), keys
    prefixed 'source/'; `_index` = s, so resuming works as for `StepBatches`."""

    def __init__(self, mixture: Mixture, batch_size: int, seed: int, start: int = 0, rank: int = 0,
                 world_size: int = 1) -> None:
        sizes = mixture.split(batch_size)
        self.streams = {name: StepBatches(tensors, sizes[name], seed * 7919 + k, start, rank, world_size)
                        for k, (name, tensors) in enumerate(sorted(mixture.sources.items()))}

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        streams = {name: iter(stream) for name, stream in self.streams.items()}
        while True:
            batch: dict[str, torch.Tensor] = {}
            for name, stream in streams.items():
                part = next(stream)
                batch["_index"] = part.pop("_index")
                batch.update({f"{name}/{key}": value for key, value in part.items()})
            yield batch


def data_rows(data: dict[str, torch.Tensor] | Mixture) -> int:
    """Training rows of a phase's data."""
    return data.rows() if isinstance(data, Mixture) else len(next(iter(data.values())))


def chunked(tensors: dict[str, torch.Tensor], batch_size: int) -> list[dict[str, torch.Tensor]]:
    """Fixed, ordered batches for validation."""
    n = len(next(iter(tensors.values())))
    return [{k: v[i:i + batch_size] for k, v in tensors.items()} for i in range(0, n, batch_size)]
