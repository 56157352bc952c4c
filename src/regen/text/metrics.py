"""Quality and diversity of generated sentences, with sacrebleu's public API (thesis Figure 8.2).

Sentences are compared as space-joined vocabulary tokens (sacrebleu's `tokenize="none"`),
BLEU-4 with sacrebleu's default exponential smoothing (`force=True`: the text is tokenised on purpose):

- quality (the "negative BLEU" axis), against a shared reference set (every test sentence a
  reference for each generated sentence), two ways (`bleu_against`): corpus BLEU, the n-gram
  statistics summed over the sentences; and the mean of the sentences' own BLEU, sacrebleu's
  sentence BLEU (`effective_order=True`, as `sacrebleu.sentence_bleu`), what the thesis averages;
- faithfulness (keywords -> sentence): the same two ways, each output against its own reference
  (`bleu_paired`);
- diversity (Self-BLEU, lower is more diverse): corpus BLEU of each of the first `count` generated
  sentences with the other `count - 1` as its references. It grows with `count`: compare
  figures at the same count.

Written against sacrebleu 2.6.0: `BLEU.sentence_score` and the statistics of its `BLEUScore`
(`counts`, `totals`, `sys_len`, `ref_len`), summed into `BLEU.compute_bleu` exactly as
`corpus_score` sums its segments (tested), so one pass over the sentences gives both figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sacrebleu.metrics import BLEU


class Bleu(NamedTuple):
    """BLEU-4 (0-100) of a set of hypotheses, both ways."""

    corpus: float
    """Corpus BLEU: clipped n-gram matches, n-gram totals and lengths summed over the hypotheses."""
    sentence_mean: float
    """Mean over the hypotheses of each one's sentence BLEU (effective order)."""


def _bleu(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> Bleu:
    """Both BLEUs of hypotheses[i] against the references references[i] (one or more each)."""
    metric = BLEU(tokenize="none", force=True, effective_order=True)
    scores = [metric.sentence_score(h, list(refs)) for h, refs in zip(hypotheses, references)]
    order = metric.max_ngram_order
    corpus = BLEU.compute_bleu([sum(s.counts[n] for s in scores) for n in range(order)],
                               [sum(s.totals[n] for s in scores) for n in range(order)],
                               sum(s.sys_len for s in scores), sum(s.ref_len for s in scores),
                               smooth_method="exp", max_ngram_order=order)
    return Bleu(float(corpus.score), sum(s.score for s in scores) / len(scores))


def bleu_against(hypotheses: Sequence[str], references: Sequence[str]) -> Bleu:
    """BLEU-4 of `hypotheses`, each scored against every one of `references`."""
    if not hypotheses or not references:
        raise ValueError("BLEU needs at least one hypothesis and one reference")
    return _bleu(hypotheses, [references] * len(hypotheses))


def bleu_paired(hypotheses: Sequence[str], references: Sequence[str]) -> Bleu:
    """BLEU-4 of `hypotheses`, each against its own reference (same order)."""
    if len(hypotheses) != len(references) or not hypotheses:
        raise ValueError("BLEU needs one reference per hypothesis")
    return _bleu(hypotheses, [[r] for r in references])


def self_bleu(sentences: Sequence[str], count: int) -> float:
    """Self-BLEU (0-100) of the first `count` sentences: corpus BLEU of each against the `count - 1` others."""
    if count < 2:
        raise ValueError("Self-BLEU needs at least two sentences")
    if len(sentences) < count:
        raise ValueError(f"Self-BLEU of {count} sentences asked for, {len(sentences)} given")
    chosen = list(sentences[:count])
    streams = [[chosen[(i + k) % count] for i in range(count)] for k in range(1, count)]
    return float(BLEU(tokenize="none", force=True).corpus_score(chosen, streams).score)
