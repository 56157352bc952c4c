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
