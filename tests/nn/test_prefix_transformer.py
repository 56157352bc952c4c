"""The prefix transformer's copy head: a proper distribution, and copying that reaches tokens never
seen in training (a plain head has to learn every token's copy on its own)."""

from __future__ import annotations

import torch

from regen.nn.prefix_transformer import PrefixARTransformer

VOCAB, SEEN = 400, 200  # training prefixes use tokens < SEEN; the test copies tokens >= SEEN


def copy_accuracy(copy: bool) -> float:
    torch.manual_seed(0)
    net = PrefixARTransformer(VOCAB, 3, VOCAB, 3, d_model=32, layers=2, heads=2, dropout=0.0, copy=copy)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(300):
        prefix = torch.randint(1, SEEN, (64, 3))
        loss = net.nll(prefix, prefix)
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    unseen = torch.randint(SEEN, VOCAB, (200, 3))
    return float((net.generate(unseen, temperature=1e-4) == unseen).float().mean())


def test_copy_head_gives_log_probabilities() -> None:
    net = PrefixARTransformer(50, 3, 60, 5, d_model=16, layers=1, heads=2, copy=True)
    logp = net.logits(torch.randint(0, 50, (4, 3)), torch.randint(0, 60, (4, 5)))
    assert logp.shape == (4, 5, 60) and torch.allclose(logp.exp().sum(-1), torch.ones(4, 5), atol=1e-5)


def test_nll_and_sampling_agree_with_the_teacher_forced_distribution() -> None:
    torch.manual_seed(0)
    for copy in (False, True):
        net = PrefixARTransformer(70, 3, 60, 5, d_model=16, layers=1, heads=2, copy=copy, tie=copy).eval()
        prefix, target = torch.randint(0, 70, (4, 3)), torch.randint(0, 60, (4, 5))
        expected = torch.nn.functional.cross_entropy(net.logits(prefix, target).reshape(-1, 60), target.flatten())
        assert torch.allclose(net.nll(prefix, target), expected, atol=1e-5)
        greedy = net.generate(prefix, temperature=1e-6)  # each step reads the last position only
        assert torch.equal(net.logits(prefix, greedy).argmax(-1), greedy)


def test_copy_head_never_points_at_padding_or_ids_outside_the_target_vocabulary() -> None:
    torch.manual_seed(0)
    net = PrefixARTransformer(70, 3, 60, 5, d_model=16, layers=1, heads=2, copy=True).eval()
    net.copy_gate.bias.data.fill_(-30.0)  # all mass on the pointer
    prefix = torch.tensor([[65, 7, 0]])  # a slot-like id 65 and padding 0 cannot be copied; 7 can
    logp = net.logits(prefix, torch.zeros(1, 5, dtype=torch.long))
    assert torch.allclose(logp.exp().sum(-1), torch.ones(1, 5), atol=1e-5)
    assert (logp[..., 7].exp() > 0.99).all()


def test_tied_table_is_shared_by_prefix_target_and_output() -> None:
    net = PrefixARTransformer(70, 3, 60, 5, d_model=16, layers=1, heads=2, tie=True)
    untied = PrefixARTransformer(70, 3, 60, 5, d_model=16, layers=1, heads=2)
    names = set(net.state_dict())
    assert "target_embed.weight" in names and not any(n.startswith(("prefix_embed", "head.")) for n in names)
    assert net.target_embed.weight.shape == (71, 16)  # max(prefix, target) ids + the start token
    assert sum(p.numel() for p in net.parameters()) < sum(p.numel() for p in untied.parameters())
    prefix, target = torch.randint(0, 70, (2, 3)), torch.randint(0, 60, (2, 5))
    net.nll(prefix, target).backward()
    assert net.target_embed.weight.grad[prefix.flatten()].abs().sum() > 0
    assert net.generate(prefix).shape == (2, 5)


def test_copy_head_copies_tokens_never_seen_in_training() -> None:
    with_copy, without = copy_accuracy(True), copy_accuracy(False)
    assert with_copy > 0.9 and without < 0.1, (with_copy, without)
