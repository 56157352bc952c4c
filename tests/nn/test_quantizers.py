"""Residual VQ: residual stages add up, moving averages find clusters, dead entries restart."""

import torch

from regen.nn.quantizers import ResidualVQ


def test_stages_quantise_what_the_earlier_ones_left_and_lookup_inverts_codes() -> None:
    torch.manual_seed(0)
    vq = ResidualVQ(dim=8, codebooks=3, size=16)
    z = torch.randn(4, 10, 8)
    vq.train()
    for _ in range(30):
        vq(z)
    vq.eval()
    out, codes, commitment = vq(z)
    assert codes.shape == (4, 10, 3) and codes.dtype == torch.int64 and commitment >= 0
    assert torch.allclose(out, vq.lookup(codes), atol=1e-5)  # straight through: the value is the codes' sum
    one = ResidualVQ(dim=8, codebooks=1, size=16)
    one.load_state_dict({k: v for k, v in vq.state_dict().items() if k.startswith("stages.0.")})
    one.eval()
    assert (z - vq.lookup(codes)).pow(2).mean() < (z - one(z)[0]).pow(2).mean()  # more stages, less error
    assert vq.bits_per_vector == 12


def test_moving_averages_find_the_clusters_and_dead_entries_restart() -> None:
    torch.manual_seed(1)
    centres = torch.tensor([[5.0, 0.0], [-5.0, 0.0], [0.0, 5.0], [0.0, -5.0]])
    data = centres[torch.randint(4, (512,))] + 0.05 * torch.randn(512, 2)
    vq = ResidualVQ(dim=2, codebooks=1, size=4, decay=0.8)
    vq.train()
    for _ in range(60):
        vq(data)
    vq.eval()
    _, codes, _ = vq(data)
    usage = vq.usage(codes)[0]
    assert usage["used"] == 1.0 and usage["perplexity"] > 3.5
    assert torch.cdist(vq.stages[0].entries, centres).min(1).values.max() < 0.5


def test_a_restarted_entry_stays_where_it_restarted() -> None:
    torch.manual_seed(2)
    vq = ResidualVQ(dim=2, codebooks=1, size=8, decay=0.9)
    book = vq.stages[0]
    vq.train()
    data = torch.randn(50, 2)  # 50 vectors for 8 entries: the restart must not depend on batch = size
    vq(data)
    book.entries[3] = torch.tensor([1000.0, 1000.0])  # far from every vector: nothing is assigned to it,
    book.cluster_size[3] = 0.0  # so it is dead and the next update restarts it at a residual of the batch
    codes = book.nearest(data)
    book.update(data, codes)
    restarted = book.entries[3].clone()
    assert torch.isclose(data, restarted).all(1).any()
    book.update(data[:1] + 100.0, torch.zeros(1, dtype=torch.long))  # a batch that assigns nothing to entry 3
    assert torch.allclose(book.entries[3], restarted, atol=1e-4)
