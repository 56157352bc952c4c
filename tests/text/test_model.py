"""The text denoiser: shapes, the vocabulary in its weights, infilling that keeps the template."""

from __future__ import annotations

import pytest
import torch

from regen.core.errors import RegenError
from regen.iterative.sampler import SamplerConfig
from regen.nn.relative_transformer import TransformerConfig
from regen.text.config import ModelConfig
from regen.text.corpus import load_corpus
from regen.text.language_model import TextLanguageModel, sentence_positions
from regen.text.model import TextDenoiser
from regen.text.tasks import infill, parse_template, unconditional

SMALL = TransformerConfig(layers=1, dim=32, hidden=64, heads=2, max_distance=52)


@pytest.fixture(scope="module")
def model() -> TextDenoiser:
    torch.manual_seed(0)
    m = TextDenoiser(ModelConfig("sunmask", SMALL), 5700, 52)
    m.set_vocabulary(load_corpus().vocabulary)
    return m.eval()


def test_loss_and_samples(model: TextDenoiser) -> None:
    batch = {"target": load_corpus().tensor("valid")[:8]}
    out = model.loss(batch)
    assert out["loss"].ndim == 0 and out["nll_1"] > 0 and "nll_2" in out  # SUNMASK unrolls twice
    rows = unconditional(model, SamplerConfig(steps=3), 4, seed=1)
    assert rows.shape == (4, 52) and int(rows.max()) < 5700
    assert torch.equal(rows, unconditional(model, SamplerConfig(steps=3), 4, seed=1))


def test_the_vocabulary_travels_in_the_weights(model: TextDenoiser) -> None:
    other = TextDenoiser(ModelConfig("sunmask", SMALL), 5700, 52)
    with pytest.raises(RegenError, match="no vocabulary"):
        _ = other.vocabulary
    other.load_state_dict(model.state_dict())
    assert other.vocabulary.words == model.vocabulary.words
    with pytest.raises(RegenError, match="data.vocab_size=5700"):
        TextDenoiser(ModelConfig("sunmask", SMALL), 100, 52).set_vocabulary(model.vocabulary)


def test_infill_never_changes_kept_tokens(model: TextDenoiser) -> None:
    template = "And God said ___ ___ light ___"
    ids, keep = parse_template(model, template)
    assert int((~keep).sum()) == 3 and bool(keep[7:].all()) and bool((ids[7:] == 0).all())
    rows = infill(model, SamplerConfig(steps=4), template, 5, seed=0)
    assert rows.shape == (5, 52) and bool((rows[:, keep] == ids[keep]).all())
    words = model.vocabulary.words
    assert [words[i] for i in rows[0, :3]] == ["And", "God", "said"] and words[int(rows[0, 5])] == "light"


@pytest.mark.parametrize("template, message", [("", "empty template"), ("And God said", "no ___ slot"),
                                                ("And Zorblax said ___", "not in the model's 5700-token vocabulary: Zorblax"),
                                                (" ".join(["___"] * 60), "at most 52")])
def test_bad_templates_are_one_line_errors(model: TextDenoiser, template: str, message: str) -> None:
    with pytest.raises(RegenError, match=message) as info:
        parse_template(model, template)
    assert "\n" not in str(info.value)


def test_left_to_right_baseline_is_causal_and_samples(model: TextDenoiser) -> None:
    from regen.text.language_model import TextLanguageModel

    torch.manual_seed(0)
    lm = TextLanguageModel(SMALL, 5700, 52).eval()
    lm.set_vocabulary(model.vocabulary)
    rows = load_corpus().tensor("valid")[:2]
    changed = rows.clone()
    changed[:, 10] = (changed[:, 10] + 1) % 5700
    with torch.no_grad():
        a, b = lm(rows), lm(changed)
    assert torch.allclose(a[:, :11], b[:, :11]) and not torch.allclose(a[:, 11:], b[:, 11:])
    assert float(lm.loss({"target": rows})["loss"]) == pytest.approx(float(lm.token_nll(rows).mean()), rel=1e-5)
    drawn = unconditional(lm, SamplerConfig(temperature=1.0, top_k=0, typical=0.0), 3, seed=2)
    assert drawn.shape == (3, 52) and torch.equal(drawn, unconditional(lm, SamplerConfig(temperature=1.0, top_k=0,
                                                                                          typical=0.0), 3, seed=2))
    with pytest.raises(RegenError, match="cannot fill slots"):
        infill(lm, SamplerConfig(), "And ___", 1, 0)


def test_sentence_nll_scores_words_and_the_end_not_the_padding_after_it() -> None:
    rows = torch.tensor([[5, 6, 0, 0], [5, 0, 7, 0], [5, 6, 7, 8]])
    assert sentence_positions(rows, 0).tolist() == [[True, True, True, False], [True, True, False, False],
                                                    [True, True, True, True]]
    torch.manual_seed(0)
    lm = TextLanguageModel(TransformerConfig(dim=16, layers=1, heads=2, hidden=32), 12, 4, "word")
    per_position = lm.token_nll(rows)
    expected = (per_position[0, :3].sum() + per_position[1, :2].sum() + per_position[2].sum()) / 9
    assert lm.sentence_nll(rows) == pytest.approx(float(expected), rel=1e-6)
