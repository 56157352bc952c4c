import torch

from regen.train.data import StepBatches


def test_batches_depend_only_on_step_and_cover_each_epoch():
    data = {"i": torch.arange(10)}
    stream = StepBatches(data, batch_size=4, seed=5)
    it = iter(stream)
    first = [next(it)["i"] for _ in range(5)]
    seen = torch.cat(first)[:10]
    assert sorted(seen.tolist()) == list(range(10))  # epoch 0 is a permutation
    resumed = iter(StepBatches(data, batch_size=4, seed=5, start=3))
    assert torch.equal(next(resumed)["i"], first[3])


def test_ranks_split_the_global_batch():
    data = {"i": torch.arange(16)}
    r0 = next(iter(StepBatches(data, 4, seed=1, rank=0, world_size=2)))["i"]
    r1 = next(iter(StepBatches(data, 4, seed=1, rank=1, world_size=2)))["i"]
    single = next(iter(StepBatches(data, 8, seed=1)))["i"]
    assert torch.equal(torch.cat([r0, r1]), single)
