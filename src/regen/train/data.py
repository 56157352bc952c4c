"""Step-indexed batches: the batch of optimizer step s depends only on (seed, s).

That makes a resumed run see exactly the batches an uninterrupted one sees,
whatever the epoch bookkeeping, and shards each global batch across DDP ranks.
"""

from __future__ import annotations

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

    def batch_indices(self, b: int) -> torch.Tensor:
        """Item indices of global batch `b` for this rank: (batch_size,)."""
        global_size = self.batch_size * self.world_size
        first = b * global_size + self.rank * self.batch_size
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


def chunked(tensors: dict[str, torch.Tensor], batch_size: int) -> list[dict[str, torch.Tensor]]:
    """Fixed, ordered batches for validation."""
    n = len(next(iter(tensors.values())))
    return [{k: v[i:i + batch_size] for k, v in tensors.items()} for i in range(0, n, batch_size)]
