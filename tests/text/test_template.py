"""Templates keep function words in place, learned slot classes group words used alike, keywords are the
rarest content words; keywords -> template -> sentence and Direct train, sample and evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from regen.core.run_config import load_run_config
from regen.text.template import TemplateAbstraction, fit_template_table, keyword_mask, keyword_rows, token_frequency
from regen.text.template_task import paired_rows
from regen.text.vocabulary import Vocabulary
from regen.train.run import train_run

# "the" + noun + "runs|sleeps ." / "he" + verb + "it ."
TEXTS = ["the cat runs .", "the dog sleeps .", "the cat sleeps .", "the dog runs .", "he sees it .",
         "he likes it .", "he sees it .", "he likes it ."] * 10 + ["the lamb runs ."]


def test_function_words_and_keywords_stay_and_other_content_words_become_their_class() -> None:
    vocab = Vocabulary.train(TEXTS, 100)
    rows = torch.tensor([vocab.encode(t) for t in TEXTS])
    function = 4  # ".", "the", "he", "it" are the most frequent
    assert set(vocab.words[2:2 + function]) == {".", "the", "he", "it"}
    table, words = fit_template_table(rows, vocab, function, classes=2)
    abstraction = TemplateAbstraction(len(vocab), 2, rows.shape[1], first_content=2 + function, keywords=1)
    abstraction.set_table(table, token_frequency(rows, len(vocab)))
    template = abstraction.encode(rows)
    keep = rows < 2 + function
    assert torch.equal(template[keep], rows[keep])  # function words keep their ids and positions
    cls = {w: words[int(table[vocab.ids[w]])] for w in ("cat", "dog", "lamb", "sees", "likes")}
    assert cls["cat"] == cls["dog"] == cls["lamb"] != cls["sees"] == cls["likes"]  # after "the" vs after "he"
    assert all(c.startswith("[C") for c in cls.values())
    lamb = " ".join(words[i] for i in abstraction.encode(torch.tensor([vocab.encode("the lamb runs .")]))[0] if i)
    assert lamb == f"the lamb {words[int(table[vocab.ids['runs']])]} ."  # the rarest content word is the keyword


def test_keyword_positions_match_the_keywords() -> None:
    gen = torch.Generator().manual_seed(0)
    rows = torch.randint(0, 40, (200, 12), generator=gen)
    frequency = torch.randint(0, 5, (40,), generator=gen)  # many ties: broken by id in both
    for k in (1, 3):
        keys = keyword_rows(rows, frequency, first_content=6, keywords=k)
        mask = keyword_mask(rows, frequency, first_content=6, keywords=k)
        chosen = (rows[:, :, None] == keys[:, None, :]).any(-1) & (rows >= 6)
        assert torch.equal(mask, chosen)


def test_keywords_are_the_rarest_content_words_in_sentence_order() -> None:
    vocab = Vocabulary.train(TEXTS, 100)
    rows = torch.tensor([vocab.encode(t) for t in TEXTS])
    freq = token_frequency(rows, len(vocab))
    lamb = torch.tensor([vocab.encode("the lamb runs .")])
    keys = keyword_rows(lamb, freq, first_content=6, keywords=1)
    assert keys.tolist() == [[vocab.ids["lamb"]]]
    two = keyword_rows(lamb, freq, first_content=6, keywords=3)
    assert two.tolist() == [[vocab.ids["lamb"], vocab.ids["runs"], 0]]  # in sentence order, padded


def test_paired_share_is_a_seeded_subset() -> None:
    rows = paired_rows(1000, 0.01, seed=3)
    assert len(rows) == 10 and torch.equal(rows, paired_rows(1000, 0.01, seed=3)) and len(paired_rows(10, 0.01, 0)) == 1


SMALL = ["trainer.progress=false", "trainer.threads=1", "data.eval_sentences=6", "phases.renderer.max_steps=2",
         "phases.converter.max_steps=2", "phases.direct.max_steps=2", "data.paired_fraction=0.01"]


@pytest.mark.parametrize("config", ["template-tiny", "template-direct-tiny"])
def test_train_sample_and_evaluate(config: str, tmp_path: Path) -> None:
    sizes = [f"model.{stage}.{k}={v}" for stage in ("converter", "renderer", "direct")
             for k, v in (("d_model", 16), ("layers", 1), ("heads", 2))]
    ckpt = train_run(load_run_config(f"text/{config}", SMALL + sizes), tmp_path / "run", out=tmp_path / "ckpt")
    meta = json.loads((ckpt / "meta.json").read_text())
    assert meta["data"]["paired_sentences"] == round(0.01 * meta["data"]["train_sentences"])
    assert set(meta["phases"]) == ({"direct"} if "direct" in config else {"renderer", "converter"})
    assert {"keyword_coverage", "bleu_corpus", "bleu_sentence_mean", "self_bleu"} <= set(meta["metrics"])
    from typer.testing import CliRunner

    from regen.cli.main import app

    result = CliRunner().invoke(app, ["sample", str(ckpt), "--n", "2", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "out" / "sentences.txt").read_text().splitlines()
    assert len(lines) == 2 and all(" -> " in line for line in lines)
    assert ("  [" in lines[0]) == ("direct" not in config)  # regeneration shows the template it drew
    result = CliRunner().invoke(app, ["text", "from-keywords", "the light darkness", "--model", str(ckpt), "--n", "3",
                                      "--templates", "--out", str(tmp_path / "k.txt")])
    assert result.exit_code == 0, result.output
    assert "the dropped" in result.output  # a function word is the template's to place
    written = (tmp_path / "k.txt").read_text().splitlines()
    assert len(written) == 3 and all(written)
    assert all(("  [" in line) == ("direct" not in config) for line in written)
    for words, message in [("Zorblax light", "Zorblax"), ("the and", "only function words"),
                           ("firmament darkness Pharez lightning", "at most 3"), ("  ", "no keywords")]:
        result = CliRunner().invoke(app, ["text", "from-keywords", words, "--model", str(ckpt)])
        assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output, result.output
