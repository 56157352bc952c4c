"""No empty sentence: rows that decode to no word are drawn again from another seed stream, rows that
never say anything are left out with a one-line note; drawing goes in chunks (seeded per chunk)."""

from __future__ import annotations

import torch
from typer.testing import CliRunner

from regen.cli.main import app
from regen.core.task import load_model
from regen.text import drawing
from regen.text.drawing import CHUNK, REDRAWS, derived_seed, draw_in_chunks, draw_sentences, says_nothing
from regen.text.tasks import parse_keywords, unconditional
from regen.text.vocabulary import Vocabulary

VOCAB = Vocabulary(["[PAD]", "[UNK]", ".", ",", ";", "And", "God", "7"])


def test_rows_without_a_word_say_nothing() -> None:
    for ids in ([0, 0, 0, 0], [0, 5, 6, 2], [2, 3, 0, 5], [1, 2, 1, 0], [4, 4, 4, 4]):
        assert says_nothing(VOCAB, ids), VOCAB.decode(ids)
    for ids in ([5, 0, 0, 0], [2, 3, 6, 0], [1, 7, 0, 0]):
        assert not says_nothing(VOCAB, ids), VOCAB.decode(ids)
    chars = Vocabulary(["[PAD]", "[UNK]", " ", ".", "a"], level="char")
    assert says_nothing(chars, [2, 3, 2, 0]) and not says_nothing(chars, [2, 4, 0, 0])


def test_empty_rows_are_drawn_again_and_hopeless_rows_left_out() -> None:
    seeds: list[tuple[list[int], int]] = []

    def draw(rows: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Row 1 is empty on the first draw only, row 2 always; the others say 'And' + their row."""
        seeds.append((rows.tolist(), seed))
        first = len(seeds) == 1
        out = torch.tensor([[0, 0] if r == 2 or (r == 1 and first) else [5, r] for r in rows.tolist()])
        return out, out + 1

    drawn = draw_sentences(draw, VOCAB, 4, 11, "test")
    assert drawn.rows.tolist() == [0, 1, 3] and drawn.requested == 4 and drawn.missing == 1
    assert drawn.sentences.tolist() == [[5, 0], [5, 1], [5, 3]] and torch.equal(drawn.templates, drawn.sentences + 1)
    assert seeds[0] == ([0, 1, 2, 3], 11) and seeds[1] == ([1, 2], derived_seed(11, 0, 1))
    assert [s[0] for s in seeds[2:]] == [[2]] * (REDRAWS - 1) and len({s for _, s in seeds}) == REDRAWS + 1
    assert drawn.note().startswith("note: 1 of 4 samples decoded to no word") and "\n" not in drawn.note()


def test_chunks_keep_the_first_seed_and_the_request_order(monkeypatch) -> None:
    monkeypatch.setattr(drawing, "CHUNK", 3)
    calls: list[tuple[list[int], int]] = []

    def draw(rows: torch.Tensor, seed: int) -> tuple[torch.Tensor, None]:
        calls.append((rows.tolist(), seed))
        return rows[:, None].repeat(1, 2), None

    sentences, templates = draw_in_chunks(draw, torch.arange(7), 5, "test")
    assert sentences[:, 0].tolist() == list(range(7)) and templates is None
    assert calls == [([0, 1, 2], 5), ([3, 4, 5], derived_seed(5, 1)), ([6], derived_seed(5, 2))]


def test_shipped_models_write_no_empty_line() -> None:
    """Seeds where the shipped models do draw an empty sentence in the first chunk (checked here), and the
    commands' output has none."""
    model, cfg, _ = load_model("text/sunmask-tiny", task="text")
    raw = unconditional(model, cfg.sample, CHUNK, 1)
    assert any(says_nothing(model.vocabulary, r.tolist()) for r in raw)
    result = CliRunner().invoke(app, ["text", "sample", "--n", "20", "--seed", "1"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 20 and all(line.strip(" .,;:?!") for line in lines)

    keywords, kcfg, _ = load_model("text/template-tiny", task="text-template")
    torch.manual_seed(3)
    raw, _ = keywords.generate(parse_keywords(keywords, "light darkness")[0].expand(CHUNK, -1).clone(), kcfg.sample)
    assert any(says_nothing(keywords.vocabulary, r.tolist()) for r in raw)
    result = CliRunner().invoke(app, ["text", "from-keywords", "light darkness", "--n", str(CHUNK), "--seed", "3"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == CHUNK and all(line.strip(" .,;:?!") for line in lines)
