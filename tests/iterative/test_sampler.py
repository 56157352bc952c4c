import pytest
import torch

from regen.iterative import SamplerConfig, draw_tokens, filter_logits, run_sampler
from regen.iterative.schedules import annealed_mask, triangular_accept

VOCAB = 9


def random_net(tokens, known):
    return torch.randn(*tokens.shape, VOCAB + 1)


def test_annealed_schedule_endpoints():
    assert annealed_mask(0, 100) == pytest.approx(0.999)
    assert annealed_mask(75, 100) == pytest.approx(0.001)
    assert annealed_mask(99, 100) == pytest.approx(0.001)
    assert annealed_mask(30, 100) < annealed_mask(10, 100)


def test_triangular_accept_peaks_in_the_middle():
    values = [triangular_accept(n, 100) for n in range(100)]
    assert max(values) == values[49] or max(values) == values[50]
    assert values[0] < 0.05 and values[-1] < 0.05


@pytest.mark.parametrize("method", ["unrolled", "gibbs"])
def test_keep_positions_never_change_and_only_focus_changes(method):
    torch.manual_seed(0)
    init = torch.randint(0, VOCAB, (3, 4, 32))
    keep = torch.zeros_like(init, dtype=torch.bool)
    keep[:, 0] = True
    focus = torch.zeros_like(keep)
    focus[:, :, 8:24] = True
    history = []
    cfg = SamplerConfig(method=method, steps=30, typical=0.0, top_k=0, temperature=1.0)
    out = run_sampler(random_net, cfg, VOCAB, init, keep, focus, seed=3,
                      callback=lambda s: history.append(s.tokens.clone()))
    frozen = keep | ~focus
    for tokens in history:
        assert torch.equal(tokens[frozen], init[frozen])
    assert (out[focus & ~keep] != init[focus & ~keep]).any()
    assert (out >= 0).all() and (out < VOCAB).all()


@pytest.mark.parametrize("method", ["unrolled", "gibbs"])
def test_each_step_changes_only_the_positions_the_network_was_told_to_distrust(method):
    """Gibbs blanks and resamples the masked positions; the unrolled sampler (SUNMASK) may accept proposals
    only there too, since a masked-loss denoiser's outputs at known positions are untrained."""
    init = torch.randint(0, VOCAB, (2, 4, 16))
    cfg = SamplerConfig(method=method, steps=10, typical=0.0, top_k=0, temperature=1.0, mask_schedule="constant",
                        mask_constant=0.2)
    seen = []

    def net(tokens, known):
        seen.append(known.clone())
        return random_net(tokens, known)

    states = []
    run_sampler(net, cfg, VOCAB, init, seed=0, randomize=False, callback=lambda s: states.append(s.tokens.clone()))
    previous = init
    for known, tokens in zip(seen, states):
        assert torch.equal(tokens[known.bool()], previous[known.bool()])
        previous = tokens


def test_seed_makes_sampling_reproducible():
    torch.manual_seed(0)
    table = torch.randn(2, 4, 16, VOCAB)
    net = lambda t, k: table  # noqa: E731
    cfg = SamplerConfig(steps=12)
    a = run_sampler(net, cfg, VOCAB, torch.zeros(2, 4, 16, dtype=torch.long), seed=5)
    b = run_sampler(net, cfg, VOCAB, torch.zeros(2, 4, 16, dtype=torch.long), seed=5)
    c = run_sampler(net, cfg, VOCAB, torch.zeros(2, 4, 16, dtype=torch.long), seed=6)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_filters_keep_the_right_tokens():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    assert torch.isfinite(filter_logits(logits, top_k=2)).sum() == 2
    assert torch.isfinite(filter_logits(logits, top_p=0.7)).sum() == 2
    assert torch.isfinite(filter_logits(logits, top_p=0.01)).sum() == 1
    typ = filter_logits(logits, typical=0.2)
    assert torch.isfinite(typ).sum() >= 1 and not torch.isfinite(typ[0, 3])
    with pytest.raises(ValueError):
        filter_logits(logits, temperature=0)


@pytest.mark.parametrize("typical,top_p", [(0.9, 1.0), (0.2, 1.0), (0.0, 0.95), (0.0, 0.3)])
def test_partial_sort_filters_match_a_full_sort(typical, top_p):
    """The filters order only a prefix of the vocabulary unless a row needs more; peaked and
    flat rows (closing inside and outside that prefix) must keep exactly the full-sort set."""
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(64, 500, generator=gen) * torch.linspace(0.1, 8.0, 64).unsqueeze(1)

    def full_sort(key, probs, mass):
        idx = key.sort(-1).indices
        p_sorted = probs.gather(-1, idx)
        keep_sorted = (p_sorted.cumsum(-1) - p_sorted) < mass
        keep_sorted[:, 0] = True
        return torch.zeros_like(keep_sorted).scatter(-1, idx, keep_sorted)

    if typical:
        logp = logits.log_softmax(-1)
        entropy = -(logp.exp() * logp).sum(-1, keepdim=True)
        expected = full_sort((-logp - entropy).abs(), logp.exp(), typical)
    else:
        p = logits.softmax(-1)
        expected = full_sort(-p, p, top_p)
    kept = torch.isfinite(filter_logits(logits, typical=typical, top_p=top_p))
    sizes = expected.sum(-1)
    assert (sizes < 64).any() and (sizes > 64).any()  # both paths of the partial sort ran
    assert torch.equal(kept, expected)


@pytest.mark.parametrize("gumbel", [False, True])
def test_draws_follow_the_distribution(gumbel):
    probs = torch.tensor([0.0, 0.6, 0.3, 0.0, 0.1, 0.0])  # filtered-out tokens (-inf logits) between and at the end
    logits = probs.log().expand(20000, 6)
    draws = draw_tokens(logits, torch.Generator().manual_seed(0), gumbel=gumbel)
    freq = torch.bincount(draws, minlength=6).float() / len(draws)
    assert torch.allclose(freq, probs, atol=0.02) and freq[probs == 0].sum() == 0
