import pytest
import torch

from regen.train.data import MixedStepBatches, Mixture, StepBatches


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


def test_chunked_batches_visit_each_batch_once_per_chunk_and_resume_mid_batch():
    from regen.train.data import ChunkedStepBatches

    data = {"i": torch.arange(6), "len": torch.tensor([3, 9, 4, 1, 10, 5])}
    stream = ChunkedStepBatches(data, batch_size=2, seed=3, lengths_key="len", chunk=4)
    it = iter(stream)
    steps = [next(it) for _ in range(12)]
    plain = iter(StepBatches(data, batch_size=2, seed=3))
    expected = []
    for g in range(6):
        batch = next(plain)
        n = -(-int(batch["len"].max()) // 4)
        expected += [(g, c, batch["i"].tolist()) for c in range(n)]
    got = [(int(b["_group"]), int(b["_chunk"]), b["i"].tolist()) for b in steps]
    assert got == expected[:12] and [int(b["_index"]) for b in steps] == list(range(12))
    assert any(c > 0 for _, c, _ in got)  # some batch spans several chunks
    for start in range(12):  # a resumed stream continues at any step, mid-batch included
        b = next(iter(ChunkedStepBatches(data, 2, seed=3, lengths_key="len", chunk=4, start=start)))
        assert (int(b["_group"]), int(b["_chunk"]), b["i"].tolist()) == got[start]


def test_chunked_ranks_agree_on_the_number_of_chunks():
    from regen.train.data import ChunkedStepBatches

    data = {"i": torch.arange(8), "len": torch.tensor([1, 1, 1, 1, 1, 1, 1, 30])}
    ranks = [iter(ChunkedStepBatches(data, 2, seed=0, lengths_key="len", chunk=4, rank=r, world_size=2))
             for r in range(2)]
    for _ in range(10):
        a, b = next(ranks[0]), next(ranks[1])
        assert (int(a["_group"]), int(a["_chunk"])) == (int(b["_group"]), int(b["_chunk"]))


def test_mixed_batches_take_fixed_shares_and_resume_at_the_step() -> None:
    mixture = Mixture({"paired": {"x": torch.arange(10)}, "text": {"y": torch.arange(100, 103), "z": torch.zeros(3)}},
                      {"paired": 1.0, "text": 1.0})
    assert mixture.rows() == 13 and mixture.split(5) == {"paired": 3, "text": 2}
    assert Mixture(mixture.sources, {"paired": 3.0, "text": 1.0}).split(4) == {"paired": 3, "text": 1}
    stream = iter(MixedStepBatches(mixture, 4, seed=0))
    batches = [next(stream) for _ in range(6)]
    assert set(batches[0]) == {"_index", "paired/x", "text/y", "text/z"}
    assert [len(b["paired/x"]) for b in batches] == [2] * 6 and [len(b["text/y"]) for b in batches] == [2] * 6
    seen = torch.cat([b["text/y"] for b in batches[:3]])  # 3 batches of 2 cover the 3 text rows twice
    assert sorted(seen.tolist()) == [100, 100, 101, 101, 102, 102]
    resumed = next(iter(MixedStepBatches(mixture, 4, seed=0, start=4)))
    assert int(resumed["_index"]) == 4 and torch.equal(resumed["paired/x"], batches[4]["paired/x"])
    with pytest.raises(ValueError, match="one share per source"):
        Mixture({"a": {"x": torch.zeros(2)}}, {"b": 1.0})
